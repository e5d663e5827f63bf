/** monitored-label: the first read by a user of a child carrying a label the policy watches (e.g. vip, staff-child). */
import { Findings, inDirectCare, isRead, type Detector } from '../finding.ts';

export const monitoredLabel: Detector = (events, facts, policy) => {
  const out = new Findings();
  const seen = new Set(facts.seenBefore);
  for (const e of events) {
    if (!isRead(e) || !facts.children.get(e.child)?.monitored) continue;
    const pair = `${e.user}|${e.child}`;
    if (seen.has(pair)) continue;
    seen.add(pair);
    if (inDirectCare(e, policy)) continue;
    out.add('monitored-label', e, () =>
      `${e.user} read the record of child ${e.child} for the first time; the child carries a label that is watched (${policy['monitored-label'].labels.join(' or ')}), and is not in their team's care.`);
  }
  return out.list();
};
