/** IG use cases over the signed checkpoints: the latest one, and consistency proofs between tree sizes. */
import { InvalidInput } from '../errors.ts';
import type { Checkpoint, Checkpointer } from '../trail/checkpointer.ts';
import type { AuditTree } from '../trail/tree.ts';
import type { TrailAppender } from '../trail/log.ts';
import { recordAuditQuery, type Asker } from './audit-query.ts';

export type CheckpointSource = Pick<Checkpointer, 'latest' | 'checkpointNow'>;

export const b64 = (b: Buffer) => b.toString('base64');

/** The newest stored checkpoint, or a new one when none has been signed yet. */
export async function newestCheckpoint(checkpoints: CheckpointSource): Promise<Checkpoint> {
  return (await checkpoints.latest()) ?? (await checkpoints.checkpointNow());
}

/** The latest checkpoint with the key that verifies it; recorded on the trail first. */
export async function latestCheckpoint(
  deps: { checkpoints: CheckpointSource & Pick<Checkpointer, 'publicKey'>; trail: TrailAppender },
  who: Asker,
): Promise<Checkpoint & { publicKey: string }> {
  const cp = await newestCheckpoint(deps.checkpoints);
  await recordAuditQuery(deps.trail, who, 'checkpoint', {}, 1);
  return { ...cp, publicKey: deps.checkpoints.publicKey() };
}

/** The RFC 9162 consistency proof from tree size `from` to `to`, with both roots; recorded on the trail first. */
export async function consistency(
  deps: { tree: Pick<AuditTree, 'size' | 'root' | 'consistencyProof'>; trail: TrailAppender },
  who: Asker,
  query: { from: number; to: number },
) {
  const { from, to } = query;
  const size = await deps.tree.size();
  if (from > to) throw new InvalidInput({ field: 'query.from', message: 'must not be greater than to' });
  if (to > size) throw new InvalidInput({ field: 'query.to', message: `the tree has ${size} events` });
  const [hashes, fromRoot, toRoot] = await Promise.all([deps.tree.consistencyProof(from, to), deps.tree.root(from), deps.tree.root(to)]);
  await recordAuditQuery(deps.trail, who, 'consistency', query, hashes.length);
  return { from, to, fromRoot: b64(fromRoot), toRoot: b64(toRoot), hashes: hashes.map(b64) };
}

/** The published checkpoints from tree size `fromSize` up, oldest first, each verified; recorded on the trail first. */
export async function checkpointHistory(
  deps: { checkpoints: Pick<Checkpointer, 'page'>; trail: TrailAppender },
  who: Asker,
  query: { fromSize: number; limit: number },
) {
  const page = await deps.checkpoints.page(query.fromSize, query.limit + 1);
  const checkpoints = page.slice(0, query.limit);
  await recordAuditQuery(deps.trail, who, 'checkpoints', query, checkpoints.length);
  return { checkpoints, nextFromSize: page.length > query.limit ? page[query.limit].treeSize : null };
}
