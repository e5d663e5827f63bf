/**
 * The stores every suite runs against: PGlite in memory always, and PostgreSQL when
 * NTK_TEST_DATABASE_URL (or DATABASE_URL) is set. Each store gets a fresh schema of its own,
 * so test files can run in parallel against one PostgreSQL database without seeing each other.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPGlite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { migrate } from '../../src/store/migrate.ts';
import type { Store } from '../../src/store/store.ts';

export const postgresUrl = process.env.NTK_TEST_DATABASE_URL ?? process.env.DATABASE_URL;

export interface StoreKind {
  name: 'pglite' | 'postgres';
  /** Opens a fresh, migrated store. */
  open(): Promise<Store>;
}

/** A connection string whose sessions use a new, empty schema; returns it with a drop function. */
export async function freshPostgresSchema(url = postgresUrl!): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    },
  };
}

const pgliteKind: StoreKind = {
  name: 'pglite',
  async open() {
    const store = await openPGlite();
    await migrate(store);
    return store;
  },
};

const postgresKind: StoreKind = {
  name: 'postgres',
  async open() {
    const { url, drop } = await freshPostgresSchema();
    const store = await openPostgres({ connectionString: url, max: 4 });
    await migrate(store);
    const close = store.close.bind(store);
    store.close = async () => {
      await close();
      await drop();
    };
    return store;
  },
};

/** The stores to run a suite on: use with describe.each(storeKinds). */
export const storeKinds: StoreKind[] = postgresUrl ? [pgliteKind, postgresKind] : [pgliteKind];
