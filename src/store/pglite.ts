/**
 * Embedded store: PGlite (real PostgreSQL compiled to WASM), persisted in a directory or in memory.
 * One connection: PGlite queues statements itself, and a transaction holds it exclusively.
 */
import { PGlite, types } from '@electric-sql/pglite';
import { copyText, type Queryable, type QueryResult, type Store } from './store.ts';

export interface PGliteOptions {
  /** A directory to persist in, or undefined for in-memory. */
  dataDir?: string;
}

const parsers = { [types.INT8]: (v: string) => Number(v) };

type Runner = Pick<PGlite, 'query' | 'exec'>;

/** Without parameters a statement may be a whole script (as on pg's simple protocol): run it with exec. */
async function run<T>(db: Runner, sql: string, params?: unknown[]): Promise<QueryResult<T>> {
  if (params === undefined) {
    const results = await db.exec(sql);
    const last = results[results.length - 1];
    return { rows: (last?.rows ?? []) as T[], rowCount: last?.rows.length || (last?.affectedRows ?? 0) };
  }
  const r = await db.query<T>(sql, params);
  return { rows: r.rows, rowCount: r.rows.length || (r.affectedRows ?? 0) };
}

export async function openPGlite(options: PGliteOptions = {}): Promise<Store> {
  const db = options.dataDir ? new PGlite(options.dataDir, { parsers }) : new PGlite({ parsers });
  await db.waitReady;
  const handlers = new Map<string, () => Promise<void>>();

  const store: Store = {
    kind: 'pglite',
    query: <T>(sql: string, params?: unknown[]) => run<T>(db, sql, params),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return db.transaction(async (t) => {
        const tx: Queryable = {
          query: <R>(sql: string, params?: unknown[]) => run<R>(t, sql, params),
        };
        return fn(tx);
      });
    },
    async copyRows(table, columns, rows) {
      // PGlite's COPY reads from a blob: build it in chunks so memory stays bounded.
      let count = 0;
      let chunk: string[] = [];
      const flush = async () => {
        if (!chunk.length) return;
        const blob = new Blob([chunk.join('')]);
        chunk = [];
        await db.query(`copy "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) from '/dev/blob'`, [], { blob });
      };
      for await (const row of rows as AsyncIterable<unknown[]>) {
        chunk.push(row.map(copyText).join('\t') + '\n');
        count++;
        if (chunk.length >= 20_000) await flush();
      }
      await flush();
      return count;
    },
    async listen(channel, onPayload) {
      const unsub = await db.listen(channel, onPayload);
      handlers.set(channel, unsub);
      return unsub;
    },
    async notify(channel, payload) {
      await db.query('select pg_notify($1, $2)', [channel, payload]);
    },
    async assumeRole(role: string) {
      // One connection: a session-level SET ROLE covers everything after it.
      await db.query(`set role "${role.replace(/"/g, '""')}"`);
    },
    async close() {
      await db.close();
    },
  };
  return store;
}
