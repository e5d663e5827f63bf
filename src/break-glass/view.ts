/** A break-glass as IG officers (and, read-only, leads) see it: the declaration, its review and follow-up, whether review is overdue, and the reads made under it. */
import { z } from '../http/zod.ts';
import type { BreakGlassRow } from '../store/tables/break-glass.ts';

const DAY = 86_400_000;
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function breakGlassView(r: BreakGlassRow, now: Date, overdueDays: number, reads?: { reads: number; decisions: number }) {
  const started = new Date(r.started_at);
  const pending = r.review_status === 'pending-review';
  return {
    id: r.id,
    child: r.child,
    childKnown: r.child_known,
    user: r.user_id,
    role: r.role,
    org: r.org_code,
    reasonCode: r.reason_code,
    reason: r.reason,
    startedAt: started.toISOString(),
    expiresAt: iso(r.expires_at)!,
    durationMinutes: r.duration_minutes,
    flagged: r.prior_unreviewed > 0,
    priorUnreviewed: r.prior_unreviewed,
    status: r.review_status,
    overdue: pending && now.getTime() - started.getTime() > overdueDays * DAY,
    ...(reads ?? {}),
    review: pending ? null : { outcome: r.outcome, notes: r.notes, reviewedBy: r.reviewed_by, reviewedAt: iso(r.reviewed_at) },
    followUp: r.follow_up_status === null ? null : {
      status: r.follow_up_status, action: r.follow_up, outcome: r.follow_up_outcome, note: r.follow_up_note,
      closedBy: r.follow_up_closed_by, closedAt: iso(r.follow_up_closed_at),
    },
  };
}

export const breakGlassSchema = z.object({
  id: z.string(), child: z.string(), childKnown: z.boolean(), user: z.string(), role: z.string(), org: z.string(), reasonCode: z.string(),
  reason: z.string(), startedAt: z.string(), expiresAt: z.string(), durationMinutes: z.number().nullable(), flagged: z.boolean(),
  priorUnreviewed: z.number().int(), status: z.enum(['pending-review', 'reviewed']), overdue: z.boolean(),
  reads: z.number().int().optional().openapi({ description: 'Sections permitted under this break-glass' }),
  decisions: z.number().int().optional().openapi({ description: 'Section decisions (permit and deny) asked under it' }),
  review: z.object({ outcome: z.string().nullable(), notes: z.string().nullable(), reviewedBy: z.string().nullable(), reviewedAt: z.string().nullable() }).nullable(),
  followUp: z.object({
    status: z.enum(['open', 'closed']), action: z.string().nullable().openapi({ description: 'What is to be done, as the review recorded it' }),
    outcome: z.string().nullable(), note: z.string().nullable(), closedBy: z.string().nullable(), closedAt: z.string().nullable(),
  }).nullable().openapi({ description: 'Present when the review\'s outcome was follow-up: open until an IG officer closes it' }),
}).openapi('BreakGlass');

/** One break-glass with every section decision asked under it. */
export const breakGlassDetailSchema = breakGlassSchema.extend({
  readsUnder: z.array(z.object({ auditId: z.string(), at: z.string(), section: z.string().nullable(), decision: z.string().nullable() })),
}).openapi('BreakGlassDetail');
