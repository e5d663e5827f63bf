/** The audit_checkpoints table: one signed note per tree size. Shared by both stores. */
import type { Queryable } from '../store.ts';

export interface CheckpointRow {
  tree_size: number;
  root_hash: Uint8Array;
  ts: Date | string;
  note: string;
}

const SELECT_CHECKPOINT = 'select tree_size, root_hash, ts, note from audit_checkpoints';

/** The newest stored checkpoint, or undefined before the first. */
export async function newestCheckpoint(db: Queryable): Promise<CheckpointRow | undefined> {
  const r = await db.query<CheckpointRow>(`${SELECT_CHECKPOINT} order by tree_size desc limit 1`, []);
  return r.rows[0];
}

/** The checkpoint stored for exactly this tree size, if any. */
export async function checkpointAt(db: Queryable, treeSize: number): Promise<CheckpointRow | undefined> {
  const r = await db.query<CheckpointRow>(`${SELECT_CHECKPOINT} where tree_size = $1`, [treeSize]);
  return r.rows[0];
}

/** Up to `limit` checkpoints of tree size `fromSize` or more, oldest first. */
export async function checkpointsFrom(db: Queryable, fromSize: number, limit: number): Promise<CheckpointRow[]> {
  const r = await db.query<CheckpointRow>(`${SELECT_CHECKPOINT} where tree_size >= $1 order by tree_size limit $2`, [fromSize, limit]);
  return r.rows;
}

/** The largest tree size checkpointed so far (0 before the first). */
export async function checkpointedSize(db: Queryable): Promise<number> {
  const r = await db.query<{ size: number | null }>('select max(tree_size) as size from audit_checkpoints', []);
  return Number(r.rows[0]?.size ?? 0);
}

/** Stores a checkpoint unless one for its size is already there; true when this call stored it. */
export async function insertCheckpoint(db: Queryable, c: { treeSize: number; rootHash: Buffer; timestamp: string; note: string }): Promise<boolean> {
  const r = await db.query(
    `insert into audit_checkpoints (tree_size, root_hash, ts, note) values ($1, $2, $3, $4)
     on conflict (tree_size) do nothing`,
    [c.treeSize, c.rootHash, c.timestamp, c.note],
  );
  return r.rowCount === 1;
}
