/**
 * stale-basis: a read whose only basis is the tail of a relationship that has ended: a referral's grace
 * period long after the referral closed, or a handover long after the child moved away.
 */
import { Findings, isRead, type Detector } from '../finding.ts';

const DAY = 86_400_000;

export const staleBasis: Detector = (events, facts, policy) => {
  const p = policy['stale-basis'];
  const out = new Findings();
  for (const e of events) {
    if (!isRead(e) || !e.basis.length) continue;
    let oldest = Infinity;
    let stale = true;
    for (const b of e.basis) {
      const r = b.kind === 'relationship' && b.relationshipId ? facts.relationships.get(b.relationshipId) : undefined;
      const since = !r ? null : r.type === 'handover' ? r.validFrom : r.validTo !== null && r.validTo < e.ts ? r.validTo : null;
      const limit = r?.type === 'handover' ? p.handoverAfterDays : p.tailAfterDays;
      if (since === null || e.ts - since <= limit * DAY) {
        stale = false;
        break;
      }
      oldest = Math.min(oldest, Math.floor((e.ts - since) / DAY));
    }
    if (!stale) continue;
    out.add('stale-basis', e, () =>
      `${e.user} read the record of child ${e.child} relying only on ${e.basis.map((b) => b.type).join(', ')} that ended ${oldest} days earlier: the care had ended long before.`);
  }
  return out.list();
};
