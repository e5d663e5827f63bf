/** Opens the configured store: PostgreSQL when a connection string is given, PGlite otherwise. */
import { openPGlite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import type { Store } from './store.ts';

export interface StoreConfig {
  databaseUrl?: string;
  /** PGlite directory; undefined means in-memory. */
  dataDir?: string;
  poolSize?: number;
}

export function openStore(config: StoreConfig): Promise<Store> {
  return config.databaseUrl
    ? openPostgres({ connectionString: config.databaseUrl, max: config.poolSize })
    : openPGlite({ dataDir: config.dataDir });
}
