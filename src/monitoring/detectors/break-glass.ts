/** break-glass-household (break-glass on a child of the reader's own household) and break-glass-rate (far above peers). */
import { Findings, type Detector } from '../finding.ts';
import { limitOf, medianOf } from './limits.ts';
import { peerGroup } from '../facts.ts';

export const breakGlassHousehold: Detector = (events, facts) => {
  const out = new Findings();
  for (const e of events) {
    if (e.decision !== 'permit' || !e.breakGlass || !e.child) continue;
    const h = facts.users.get(e.user)?.household;
    if (h && h === facts.children.get(e.child)?.household) {
      out.add('break-glass-household', e, () =>
        `${e.user} used break-glass to read the record of child ${e.child}, who is of their own household (same family name and postcode).`);
    }
  }
  return out.list();
};

export const breakGlassRate: Detector = (events, facts, policy) => {
  const p = policy['break-glass-rate'];
  const out = new Findings();
  const judged = new Map<string, boolean>();
  for (const e of events) {
    if (e.decision !== 'permit' || !e.breakGlass) continue;
    const ud = `${e.user}|${e.day}`;
    if (judged.get(ud) === false) continue;
    if (!judged.has(ud)) {
      const count = facts.stats.breakGlass.get(ud) ?? 0;
      const peers = facts.stats.peers.get(`${peerGroup(e.role, facts.users.get(e.user))}|${e.day}`)?.breakGlass ?? [];
      const typical = medianOf(peers);
      const flagged = count >= p.minCount && count > limitOf(peers, p.mads, p.madFloor) && count >= p.minRatio * Math.max(1, typical);
      judged.set(ud, flagged);
      if (!flagged) continue;
      out.add('break-glass-rate', e, () =>
        `${e.user} used break-glass on ${count} children in the ${p.windowDays} days to ${e.day}; their peers' usual number is ${typical} (median of ${peers.length}).`, '');
      continue;
    }
    out.add('break-glass-rate', e, () => '', '');
  }
  return out.list();
};
