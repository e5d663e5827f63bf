/**
 * The log's origin: the first line of every checkpoint and the key name of its signatures (C2SP
 * tlog-checkpoint). NTK_AUDIT_ORIGIN when set; otherwise the origin of the checkpoints already in the
 * database (so a deployment keeps its origin across upgrades); otherwise, on a new database,
 * `needtoknow.local/<id of event 0>`: the same for every process on the database, and different for
 * every database, so two deployments' checkpoints can never be mistaken for one log's.
 */
import type { Queryable } from '../store/store.ts';
import { newestCheckpoint } from '../store/tables/audit-checkpoints.ts';
import { eventsInSeqWindow } from '../store/tables/audit-events.ts';
import { parseNote } from './signing-key.ts';
import { parseCheckpointText } from './checkpoint-note.ts';

/** Call once the log has at least one event (the service appends its start event first). */
export async function resolveOrigin(db: Queryable, configured?: string): Promise<string> {
  if (configured) return configured;
  const newest = await newestCheckpoint(db);
  if (newest) return parseCheckpointText(parseNote(newest.note).text).origin;
  const [first] = await eventsInSeqWindow(db, 0, 1);
  if (!first) throw new Error('the audit log has no event 0 to name its origin after; set NTK_AUDIT_ORIGIN');
  return `needtoknow.local/${(JSON.parse(first.body) as { id: string }).id}`;
}
