/** A fresh schema on a PostgreSQL server for one eval run, dropped afterwards. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export async function freshSchema(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = `monitor_eval_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`create schema ${schema}`);
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return { url: u.toString(), drop: () => admin(`drop schema ${schema} cascade`) };
}
