/**
 * Starts the engine of proof on a store: the origin, the key history, the guard (proved once now), and
 * the checkpointer that signs only proven trees. Called by src/server.ts once the log has its start event.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import { TrailUnproven } from '../errors.ts';
import type { AuditLog } from './log.ts';
import type { AuditTree } from './tree.ts';
import type { SigningKey } from './signing-key.ts';
import { resolveOrigin } from './origin.ts';
import { KeyHistory } from './key-history.ts';
import { TrailGuard } from './guard.ts';
import { Checkpointer } from './checkpointer.ts';
import { WitnessPool, readWitnessFile } from './witnesses.ts';

export interface Trail {
  origin: string;
  keys: KeyHistory;
  guard: TrailGuard;
  checkpointer: Checkpointer;
  witnesses?: WitnessPool;
}

export async function openTrail(
  store: Store,
  tree: AuditTree,
  audit: AuditLog,
  options: { key: SigningKey; origin?: string; checkpointDir: string; log: Logger; witnessesFile?: string; witnessQuorum?: number },
): Promise<Trail> {
  const { log } = options;
  const origin = await resolveOrigin(store, options.origin);
  // Real time, like the checkpoints' timestamps (a test clock must not move a key's period).
  const keys = await KeyHistory.open(options.checkpointDir, origin, options.key, new Date());
  const guard = new TrailGuard(tree, {
    publishDir: options.checkpointDir,
    origin,
    keys,
    onUnproven: (problem) => log.fatal({ alert: 'ntk_trail_unproven', problem }, `AUDIT TRAIL UNPROVEN: ${problem}`),
  });
  try {
    await guard.prove();
  } catch (err) {
    // Unproven: the guard has said so (critical log line); the service starts to answer 503 and the metric.
    if (!(err instanceof TrailUnproven)) throw err;
  }
  audit.guardWith(guard);
  const witnessList = options.witnessesFile ? readWitnessFile(options.witnessesFile) : [];
  const witnesses = witnessList.length ? new WitnessPool(witnessList, options.witnessQuorum ?? witnessList.length) : undefined;
  const checkpointer = new Checkpointer(store, tree, {
    key: options.key,
    origin,
    keys,
    guard,
    publishDir: options.checkpointDir,
    tiles: true,
    witnesses,
    onBelowQuorum: (treeSize, { cosigned, missing }) =>
      log.warn({ alert: 'ntk_checkpoint_below_quorum', treeSize, cosigned, missing, quorum: witnesses?.quorum }, `checkpoint ${treeSize} published below the witness quorum (${cosigned.length} of ${witnesses?.quorum}): not in checkpoints.witnessed.log`),
    onError: (err) =>
      err instanceof TrailUnproven ? undefined : log.warn({ err: (err as Error).message }, 'checkpoint not made this time'),
  });
  return { origin, keys, guard, checkpointer, witnesses };
}
