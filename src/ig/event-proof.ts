/** IG use case: one event as stored, with its leaf hash and an inclusion proof against a signed checkpoint. */
import { NotFound, TrailUnproven } from '../errors.ts';
import { leafHash } from '../trail/event.ts';
import { verifyInclusion } from '../trail/merkle.ts';
import type { Queryable } from '../store/store.ts';
import { eventById } from '../store/tables/audit-events.ts';
import type { AuditTree } from '../trail/tree.ts';
import type { TrailAppender } from '../trail/log.ts';
import { recordAuditQuery, type Asker } from './audit-query.ts';
import { b64, newestCheckpoint, type CheckpointSource } from './checkpoints.ts';

/** The event `id` and its proof against the latest checkpoint (a new one when the latest predates it); recorded on the trail first. */
export async function eventWithProof(
  deps: { db: Queryable; tree: Pick<AuditTree, 'inclusionProof'>; checkpoints: CheckpointSource; trail: TrailAppender },
  who: Asker,
  id: string,
) {
  const row = await eventById(deps.db, id);
  if (!row) throw new NotFound('no audit event with this id');
  let checkpoint = await newestCheckpoint(deps.checkpoints);
  if (checkpoint.treeSize <= row.seq) checkpoint = await deps.checkpoints.checkpointNow();
  const proof = await deps.tree.inclusionProof(row.seq, checkpoint.treeSize);
  // Served only if it proves itself: the body as stored hashes to a leaf the verified checkpoint includes.
  const leaf = leafHash(Buffer.from(row.body, 'utf8'));
  if (!leaf.equals(Buffer.from(row.leaf_hash)) || !verifyInclusion(leaf, row.seq, checkpoint.treeSize, proof, Buffer.from(checkpoint.rootHash, 'base64'))) {
    throw new TrailUnproven(`audit event seq ${row.seq} as stored is not the one the signed checkpoint of size ${checkpoint.treeSize} includes: the database was altered (docs/audit-trail.md, "When the trail is unproven")`);
  }
  const event = JSON.parse(row.body) as { child?: string } & Record<string, unknown>;
  await recordAuditQuery(deps.trail, who, 'event', { id }, 1, event.child);
  return {
    seq: row.seq, leafHash: b64(Buffer.from(row.leaf_hash)), event,
    inclusionProof: { leafIndex: row.seq, treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, hashes: proof.map(b64) },
    checkpoint,
  };
}
