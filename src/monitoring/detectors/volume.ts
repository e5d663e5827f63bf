/**
 * volume: distinct children read by a user in a day far above both their own usual day and their peers'
 * (same product role and team kind), by median and MAD over the baseline window, never mean and SD.
 * Without enough history on either side, only a high absolute number counts.
 */
import { Findings, isRead, type Detector } from '../finding.ts';
import { limitOf, medianOf } from './limits.ts';
import { peerGroup } from '../facts.ts';

export const volume: Detector = (events, facts, policy) => {
  const p = policy.volume;
  const out = new Findings();
  const judged = new Map<string, boolean>();
  for (const e of events) {
    if (!isRead(e)) continue;
    const ud = `${e.user}|${e.day}`;
    let flagged = judged.get(ud);
    if (flagged === undefined) {
      const count = facts.stats.today.get(ud) ?? 0;
      const own = facts.stats.own.get(ud) ?? [];
      const peers = facts.stats.peers.get(`${peerGroup(e.role, facts.users.get(e.user))}|${e.day}`)?.children ?? [];
      const limits = [
        ...(own.length >= p.minOwnDays ? [limitOf(own, p.mads, p.madFloor)] : []),
        ...(peers.length >= p.minPeerDays ? [limitOf(peers, p.mads, p.madFloor)] : []),
      ];
      const threshold = limits.length ? Math.max(p.minChildren, ...limits) : p.withoutBaseline;
      flagged = count > threshold;
      judged.set(ud, flagged);
      if (flagged) {
        out.add('volume', e, () =>
          `${e.user} read ${count} different children's records on ${e.day}; ` +
          `${own.length ? `their usual day is ${medianOf(own)} (median of ${own.length} days)` : 'they have no usual day yet'}` +
          `${peers.length ? ` and their peers' usual day is ${medianOf(peers)}` : ''}. More than ${Math.floor(threshold)} in a day needs a reason.`, '');
        continue;
      }
    }
    if (flagged) out.add('volume', e, () => '', '');
  }
  return out.list();
};
