/**
 * self-claim-unconfirmed: reads resting only on a self-claimed relationship are checked again once the
 * confirmation window has passed; a case opens if no real relationship (referral, caseload, episode,
 * registration) ever tied the child to the reader, their teams or their organisation (runner.ts).
 */
import { isRead, MAX_EVIDENCE, type Deferred } from '../finding.ts';
import type { TrailRead } from '../event.ts';
import type { MonitoringPolicy } from '../policy.ts';

export function selfClaimChecks(events: TrailRead[], policy: MonitoringPolicy): Deferred[] {
  const hours = policy['self-claim-unconfirmed'].confirmHours;
  const byKey = new Map<string, Deferred>();
  for (const e of events) {
    if (!isRead(e) || !e.basis.length || !e.basis.every((b) => b.kind === 'relationship' && b.type === 'self-claimed')) continue;
    const key = `${e.user}|${e.child}|${e.day}`;
    const d = byKey.get(key);
    if (!d) byKey.set(key, { rule: 'self-claim-unconfirmed', user: e.user, child: e.child, day: e.day, dueAt: e.ts + hours * 3_600_000, evidence: [e.id] });
    else if (d.evidence.length < MAX_EVIDENCE) d.evidence.push(e.id);
  }
  return [...byKey.values()];
}

export const selfClaimExplanation = (user: string, child: string, hours: number): string =>
  `${user} read the record of child ${child} on a relationship they claimed themselves, and in the ${hours} hours since no referral, caseload or other real relationship has confirmed it.`;
