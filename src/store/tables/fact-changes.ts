/** The fact_changes table: one row per changed fact; its seq is what consistency tokens count. */
import type { Queryable } from '../store.ts';

export async function recordFactChange(tx: Queryable, kind: string, key: string): Promise<number> {
  const { rows } = await tx.query<{ seq: number }>('insert into fact_changes (kind, key) values ($1, $2) returning seq', [kind, key]);
  return Number(rows[0].seq);
}
