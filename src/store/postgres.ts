/** PostgreSQL store: a `pg` pool, COPY for bulk loads, LISTEN/NOTIFY on a dedicated client. */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { copyText, type Queryable, type QueryResult, type Store } from './store.ts';

// bigint (int8) columns come back as numbers: sequence numbers and counts stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

/**
 * Statements with parameters run as named prepared statements (pg prepares each once per connection), so
 * PostgreSQL parses and plans them once per connection instead of on every call. Planning the authorise
 * fact query took longer than running it (0.75 ms vs 0.47 ms, EXPLAIN ANALYZE, 800,000 children); prepared,
 * PostgreSQL's CPU per decision fell from 1.5 ms to 0.4 ms (BENCHMARKS.md). PostgreSQL still plans per call
 * where a generic plan would cost more (plan_cache_mode auto). Names are bounded: past MAX_NAMED distinct
 * texts, statements run unnamed.
 */
const MAX_NAMED = 500;

function statements() {
  const names = new Map<string, string>();
  return (text: string, values?: unknown[]): pg.QueryConfig => {
    if (!values?.length) return { text, values };
    let name = names.get(text);
    if (name === undefined) {
      if (names.size >= MAX_NAMED) return { text, values };
      name = `ntk_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      names.set(text, name);
    }
    return { name, text, values };
  };
}

export interface PostgresOptions {
  connectionString: string;
  max?: number;
}

/** The connection string with `-c role=<role>` added to its startup options, so every session starts in that role. */
function withRole(connectionString: string, role: string): string {
  const url = new URL(connectionString);
  const options = url.searchParams.get('options');
  url.searchParams.set('options', `${options ? `${options} ` : ''}-c role=${role}`);
  return url.toString();
}

function newPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: 5_000,
    // Keep a request from waiting forever on a store that hangs.
    query_timeout: 30_000,
  });
  // An idle client dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

export async function openPostgres(options: PostgresOptions): Promise<Store> {
  const max = options.max ?? 10;
  let pool = newPool(options.connectionString, max);
  const statement = statements();
  let listener: pg.Client | undefined;
  const handlers = new Map<string, Set<(payload: string) => void>>();

  const store: Store = {
    kind: 'postgres',
    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const r = await pool.query(statement(sql, params));
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const tx: Queryable = {
          async query<R>(sql: string, params?: unknown[]) {
            const r = await client.query(statement(sql, params));
            return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
          },
        };
        const result = await fn(tx);
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async copyRows(table, columns, rows) {
      const client = await pool.connect();
      try {
        const sql = `copy ${pg.escapeIdentifier(table)} (${columns.map((c) => pg.escapeIdentifier(c)).join(', ')}) from stdin`;
        const sink = client.query(copyFrom(sql));
        let count = 0;
        async function* lines() {
          let chunk: string[] = [];
          for await (const row of rows as AsyncIterable<unknown[]>) {
            chunk.push(row.map(copyText).join('\t') + '\n');
            count++;
            if (chunk.length >= 1000) {
              yield chunk.join('');
              chunk = [];
            }
          }
          if (chunk.length) yield chunk.join('');
        }
        await pipeline(Readable.from(lines()), sink);
        return count;
      } finally {
        client.release();
      }
    },
    async listen(channel, onPayload) {
      if (!listener) {
        listener = new pg.Client({ connectionString: options.connectionString });
        listener.on('error', () => {});
        listener.on('notification', (msg) => {
          for (const h of handlers.get(msg.channel) ?? []) h(msg.payload ?? '');
        });
        await listener.connect();
      }
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await listener.query(`listen ${pg.escapeIdentifier(channel)}`);
      }
      set.add(onPayload);
      return async () => {
        set!.delete(onPayload);
      };
    },
    async notify(channel, payload) {
      await pool.query('select pg_notify($1, $2)', [channel, payload]);
    },
    async assumeRole(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid role name ${name}`);
      // A new pool whose sessions start in the role; the old one (used by migrations) is closed.
      const old = pool;
      pool = newPool(withRole(options.connectionString, name), max);
      await old.end();
    },
    async close() {
      await listener?.end().catch(() => {});
      await pool.end();
    },
  };
  return store;
}
