/** coworker-family: the child belongs to the household of a colleague (same organisation or team) of the reader. */
import { Findings, inDirectCare, isRead, type Detector } from '../finding.ts';
import { basisWords } from './neighbour.ts';

export const coworkerFamily: Detector = (events, facts, policy) => {
  const out = new Findings();
  for (const e of events) {
    if (!isRead(e)) continue;
    const c = facts.children.get(e.child);
    const u = facts.users.get(e.user);
    if (!c?.staff.length || !u || inDirectCare(e, policy) || c.staff.some((s) => s.id === e.user)) continue;
    const teams = new Set(u.teams.map((t) => t.id));
    const colleague = c.staff.find((s) => s.org === u.org || s.teams.some((t) => teams.has(t)));
    if (!colleague) continue;
    out.add('coworker-family', e, () =>
      `${e.user} read the record of child ${e.child}, who belongs to the household of their colleague ${colleague.id} (same ${colleague.org === u.org ? 'organisation' : 'team'}), without the child being in their team's care (the read rested on ${basisWords(e.basis)}).`);
  }
  return out.list();
};
