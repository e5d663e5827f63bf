/**
 * Auditing the auditor: every IG call appends its own event (who, which query, the filters, how many
 * results) before its results are returned, so a look at the trail is on the trail too.
 */
import type { AuditActor } from '../trail/event.ts';
import type { TrailAppender } from '../trail/log.ts';

/** Who is asking, as the trail records them. */
export interface Asker {
  actor: AuditActor;
  requestId: string;
}

/** Appends the audit call's own event; resolves once it is committed. The cursor is not recorded. */
export async function recordAuditQuery(
  trail: Pick<TrailAppender, 'appendOne'>, who: Asker, query: string, filters: object, results: number | null, child?: string,
): Promise<void> {
  await trail.appendOne({
    kind: 'audit-query', actor: who.actor, child, requestId: who.requestId,
    details: { query, filters: Object.fromEntries(Object.entries(filters as Record<string, unknown>).filter(([k, v]) => v !== undefined && k !== 'cursor')), results },
  });
}
