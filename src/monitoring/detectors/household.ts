/** household: the reader's family name and postcode both match the child's (their own family). */
import { Findings, isRead, type Detector } from '../finding.ts';

export const household: Detector = (events, facts) => {
  const out = new Findings();
  for (const e of events) {
    if (!isRead(e)) continue;
    const h = facts.users.get(e.user)?.household;
    if (h && h === facts.children.get(e.child)?.household) {
      out.add('household', e, () =>
        `${e.user} read the record of child ${e.child}, who lives at the same postcode and has the same family name as they do (their own household). Staff may not read their family's records.`);
    }
  }
  return out.list();
};
