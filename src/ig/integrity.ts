/**
 * Trail integrity for IG officers, in one answer: the latest signed checkpoint and its age, the trail's
 * head and how many events no checkpoint covers yet, the witnesses (configured, quorum, what each last
 * cosigned for this process), the last time this process proved the database's tree against the last
 * published checkpoint (guard.ts: at start and before every signature) and whether the trail is unproven.
 * Witness and verification figures are this process's (they start empty after a restart).
 *
 * Recorded on the trail first, like every IG call. While the trail is unproven nothing can be appended:
 * the answer is given all the same (it holds no personal data, and it is how IG learns why), with
 * `recorded: false`.
 */
import type { Queryable } from '../store/store.ts';
import { z } from '../http/zod.ts';
import { TrailUnproven } from '../errors.ts';
import { headSize } from '../store/tables/audit-events.ts';
import type { Checkpointer } from '../trail/checkpointer.ts';
import type { TrailAppender } from '../trail/log.ts';
import { recordAuditQuery, type Asker } from './audit-query.ts';

export async function trailIntegrity(
  deps: { db: Queryable; checkpoints: Pick<Checkpointer, 'latest' | 'logOrigin' | 'guard' | 'witnesses'>; trail: TrailAppender; now: () => Date },
  who: Asker,
) {
  const { guard, witnesses } = deps.checkpoints;
  const problem = guard?.problem;
  // An unproven trail serves no checkpoint (it could not be verified): only the problem.
  const [cp, head] = await Promise.all([problem === undefined ? deps.checkpoints.latest() : undefined, headSize(deps.db)]);
  const now = deps.now();
  const checkpoint = cp && {
    treeSize: cp.treeSize, rootHash: cp.rootHash, timestamp: cp.timestamp, keyId: cp.keyId,
    ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(cp.timestamp)) / 1000)),
  };
  let recorded = true;
  try {
    await recordAuditQuery(deps.trail, who, 'integrity', {}, 1);
  } catch (err) {
    if (!(err instanceof TrailUnproven)) throw err;
    recorded = false;
  }
  return {
    origin: deps.checkpoints.logOrigin(),
    checkpoint: checkpoint ?? null,
    head: { treeSize: head, uncovered: head - (checkpoint?.treeSize ?? 0) },
    witnesses: {
      configured: witnesses?.size ?? 0,
      quorum: witnesses?.quorum ?? 0,
      checkpointsBelowQuorum: witnesses?.belowQuorum ?? 0,
      witnesses: witnesses?.status() ?? [],
    },
    verification: guard?.lastVerification ?? null,
    unproven: problem === undefined ? null : { problem },
    recorded,
    at: now.toISOString(),
  };
}

export const integritySchema = z.object({
  origin: z.string(),
  checkpoint: z.object({ treeSize: z.number().int(), rootHash: z.string(), timestamp: z.string(), keyId: z.string(), ageSeconds: z.number().int() }).nullable()
    .openapi({ description: 'The latest signed checkpoint; null before the first, or while the trail is unproven' }),
  head: z.object({ treeSize: z.number().int(), uncovered: z.number().int().openapi({ description: 'Events after the latest checkpoint' }) }),
  witnesses: z.object({
    configured: z.number().int(), quorum: z.number().int(), checkpointsBelowQuorum: z.number().int(),
    witnesses: z.array(z.object({
      name: z.string(), publicKey: z.string(),
      lastCosigned: z.object({ treeSize: z.number().int(), at: z.string() }).nullable(),
      lastFailure: z.object({ treeSize: z.number().int(), at: z.string(), reason: z.string() }).nullable(),
    })),
  }),
  verification: z.object({
    at: z.string(), result: z.enum(['proven', 'unproven', 'error']), treeSize: z.number().int().optional(),
    publishedSize: z.number().int().nullable().optional(), detail: z.string().optional(),
  }).nullable().openapi({ description: 'The last proof of the database tree against the last published checkpoint (at start and before every signature)' }),
  unproven: z.object({ problem: z.string() }).nullable(),
  recorded: z.boolean().openapi({ description: 'Whether this call is on the trail (false only while it is unproven)' }),
  at: z.string(),
}).openapi('TrailIntegrity');
