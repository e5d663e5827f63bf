/**
 * IG use case: what proves an export of the events [start, end) on its own (docs/witness.md, "Range
 * exports"): the compact range at `start`, a verified checkpoint at or after `end`, and the consistency
 * proof from `end` to it, as the `needtoknow-range/v1` sidecar `audit/verify.mjs --range` reads. A time
 * range (a month) is resolved to the seqs of its first and last events: export exactly those with
 * `GET /v1/audit/export?format=ndjson&fromSeq=<start>&toSeq=<end>`. Recorded on the trail first.
 */
import { InvalidInput } from '../errors.ts';
import type { Queryable } from '../store/store.ts';
import { seqRangeInTime } from '../store/tables/audit-events.ts';
import type { AuditTree } from '../trail/tree.ts';
import type { TrailAppender } from '../trail/log.ts';
import { recordAuditQuery, type Asker } from './audit-query.ts';
import { b64, newestCheckpoint, type CheckpointSource } from './checkpoints.ts';

export const RANGE_FORMAT = 'needtoknow-range/v1';

export interface RangeQuery {
  fromSeq?: number;
  toSeq?: number;
  from?: string;
  to?: string;
}

export async function rangeProof(
  deps: { db: Queryable; tree: Pick<AuditTree, 'size' | 'compactRange' | 'consistencyProof'>; checkpoints: CheckpointSource; trail: TrailAppender },
  who: Asker,
  query: RangeQuery,
) {
  const bySeq = query.fromSeq !== undefined || query.toSeq !== undefined;
  if (bySeq && (query.from !== undefined || query.to !== undefined)) {
    throw new InvalidInput({ field: 'query.fromSeq', message: 'give a seq range (fromSeq, toSeq) or a time range (from, to), not both' });
  }
  const size = await deps.tree.size();
  const { start, end } = bySeq ? { start: query.fromSeq ?? 0, end: query.toSeq ?? size } : await seqRangeInTime(deps.db, query.from, query.to);
  if (start > end) throw new InvalidInput({ field: 'query.fromSeq', message: 'must not be greater than toSeq' });
  if (end > size) throw new InvalidInput({ field: 'query.toSeq', message: `the trail has ${size} events` });
  let checkpoint = await newestCheckpoint(deps.checkpoints);
  if (checkpoint.treeSize < end) checkpoint = await deps.checkpoints.checkpointNow();
  const [compactRange, consistency] = await Promise.all([deps.tree.compactRange(start), deps.tree.consistencyProof(end, checkpoint.treeSize)]);
  await recordAuditQuery(deps.trail, who, 'range-proof', { ...query }, end - start);
  return { format: RANGE_FORMAT, start, end, compactRange: compactRange.map(b64), checkpoint: checkpoint.note, consistency: consistency.map(b64) };
}
