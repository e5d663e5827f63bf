/** Records a fact change in the caller's transaction; its sequence number is the consistency token. */
import type { Queryable } from '../store/store.ts';
import { tokenFor } from '../http/schemas.ts';

export async function recordChange(tx: Queryable, kind: string, key: string): Promise<string> {
  const { rows } = await tx.query<{ seq: number }>('insert into fact_changes (kind, key) values ($1, $2) returning seq', [kind, key]);
  return tokenFor(rows[0].seq);
}
