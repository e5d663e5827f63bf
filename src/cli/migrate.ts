/** npm run migrate — applies pending migrations to DATABASE_URL (PostgreSQL) or the PGlite directory NTK_DATA_DIR. */
import { ConfigError, loadConfig } from '../config.ts';
import { openStore } from '../store/open.ts';
import { migrate, MigrationChangedError } from '../store/migrate.ts';

try {
  const config = loadConfig();
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const applied = await migrate(store);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply: the store is up to date');
  await store.close();
} catch (err) {
  if (err instanceof ConfigError || err instanceof MigrationChangedError) {
    console.error(`needtoknow migrate: ${err.message}`);
    process.exit(2);
  }
  throw err;
}
