/**
 * Applies the plain SQL files in migrations/ in name order, each in its own transaction,
 * under a PostgreSQL advisory lock so that several processes starting at once apply each file once.
 * Every applied file is recorded with its SHA-256; a recorded file whose content changed stops start-up.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Store } from './store.ts';

export const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));
const LOCK_KEY = 7_311_946_001; // arbitrary, constant: "ntk migrations"

export class MigrationChangedError extends Error {}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir = migrationsDir): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/** Applies pending migrations; returns the names applied now. */
export async function migrate(store: Store, dir = migrationsDir): Promise<string[]> {
  const files = await readMigrations(dir);
  const applied: string[] = [];
  await store.transaction(async (tx) => {
    // Transaction-scoped: released at commit even if this process dies.
    await tx.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.query(`create table if not exists schema_migrations (
      name text primary key, checksum text not null, applied_at timestamptz not null default now())`);
    const done = new Map(
      (await tx.query<{ name: string; checksum: string }>('select name, checksum from schema_migrations')).rows.map(
        (r) => [r.name, r.checksum],
      ),
    );
    for (const file of files) {
      const recorded = done.get(file.name);
      if (recorded !== undefined) {
        if (recorded !== file.checksum) {
          throw new MigrationChangedError(
            `migration ${file.name} was changed after it was applied (recorded sha256 ${recorded.slice(0, 12)}…, file ${file.checksum.slice(0, 12)}…); ` +
              'add a new migration instead of editing an applied one',
          );
        }
        continue;
      }
      await tx.query(file.sql);
      await tx.query('insert into schema_migrations (name, checksum) values ($1, $2)', [file.name, file.checksum]);
      applied.push(file.name);
    }
  });
  return applied;
}

/** True when every migration file is applied with its current checksum (used by /readyz). */
export async function migrationsCurrent(store: Store, dir = migrationsDir): Promise<boolean> {
  const files = await readMigrations(dir);
  const rows = (
    await store.query<{ name: string; checksum: string }>('select name, checksum from schema_migrations')
  ).rows;
  const done = new Map(rows.map((r) => [r.name, r.checksum]));
  return files.every((f) => done.get(f.name) === f.checksum);
}
