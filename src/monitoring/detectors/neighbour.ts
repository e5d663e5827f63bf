/** neighbour: the child lives at the reader's postcode (not their household), and is not in their team's direct care. */
import { Findings, inDirectCare, isRead, type Detector } from '../finding.ts';

export const neighbour: Detector = (events, facts, policy) => {
  const out = new Findings();
  for (const e of events) {
    if (!isRead(e)) continue;
    const u = facts.users.get(e.user);
    const c = facts.children.get(e.child);
    if (!u?.postcode || u.postcode !== c?.postcode || (u.household && u.household === c.household) || inDirectCare(e, policy)) continue;
    out.add('neighbour', e, () =>
      `${e.user} read the record of child ${e.child}, who lives at the same postcode as they do, without the child being in their team's care (the read rested on ${basisWords(e.basis)}).`);
  }
  return out.list();
};

export function basisWords(basis: { kind: string; type?: string }[]): string {
  const words = [...new Set(basis.map((b) => (b.kind === 'relationship' ? b.type : b.kind)))];
  return words.length ? words.join(', ') : 'no recorded basis';
}
