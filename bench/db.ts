/**
 * The bench's own databases on the PostgreSQL server named by DATABASE_URL: created on demand, never
 * the database of DATABASE_URL itself (that may be the tests' database). A marker table remembers
 * what was loaded, so a second run reuses an 800,000-child population and a 10M-event trail.
 */
import pg from 'pg';
import { openPostgres } from '../src/store/postgres.ts';
import { migrate } from '../src/store/migrate.ts';
import type { Queryable, Store } from '../src/store/store.ts';

/** The same server as `base`, another database. */
export function databaseUrl(base: string, database: string): string {
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(base: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: databaseUrl(base, 'postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function createDatabase(base: string, name: string, fresh = false): Promise<boolean> {
  return admin(base, async (c) => {
    if (fresh) await c.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
    const exists = (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount;
    if (!exists) await c.query(`create database ${pg.escapeIdentifier(name)}`);
    return !exists;
  });
}

export async function dropDatabase(base: string, name: string): Promise<void> {
  await admin(base, (c) => c.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`));
}

/** Opens a migrated store on the bench database, with the marker table. */
export async function openBenchStore(url: string, max = 8): Promise<Store> {
  const store = await openPostgres({ connectionString: url, max });
  await migrate(store);
  await store.query(`create table if not exists bench_marker (key text primary key, value jsonb not null, at timestamptz not null default now())`);
  return store;
}

export async function getMarker<T>(db: Queryable, key: string): Promise<T | undefined> {
  const r = await db.query<{ value: T }>('select value from bench_marker where key = $1', [key]);
  return r.rows[0]?.value;
}

export async function setMarker(db: Queryable, key: string, value: unknown): Promise<void> {
  await db.query(
    `insert into bench_marker (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value, at = now()`,
    [key, JSON.stringify(value)],
  );
}

export async function serverVersion(db: Queryable): Promise<string> {
  const r = await db.query<{ v: string }>(`select current_setting('server_version') as v`);
  return r.rows[0].v;
}
