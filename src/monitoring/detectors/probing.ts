/** probing: many denied requests for distinct children within a short window (children the user could read do not count). */
import { Findings, type Detector } from '../finding.ts';
import type { TrailRead } from '../event.ts';

export const probing: Detector = (events, facts, policy) => {
  const { windowMinutes, minChildren } = policy.probing;
  const window = windowMinutes * 60_000;
  const out = new Findings();
  const byUser = new Map<string, TrailRead[]>();
  for (const e of events) if (e.decision === 'deny' && e.child) byUser.set(e.user, []);
  if (!byUser.size) return [];
  for (const e of [...facts.recent, ...events]) byUser.get(e.user)?.push(e);
  const batchStart = events[0].seq;
  for (const timeline of byUser.values()) {
    timeline.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
    let lo = 0;
    for (let i = 0; i < timeline.length; i++) {
      const e = timeline[i];
      while (timeline[lo].ts <= e.ts - window) lo++;
      if (e.seq < batchStart || e.decision !== 'deny' || !e.child) continue;
      const denied = new Map<string, string>();
      const permitted = new Set<string>();
      for (let j = lo; j <= i; j++) {
        const x = timeline[j];
        if (!x.child) continue;
        if (x.decision === 'permit') permitted.add(x.child);
        else if (!denied.has(x.child)) denied.set(x.child, x.id);
      }
      for (const c of permitted) denied.delete(c);
      if (denied.size < minChildren) continue;
      out.add('probing', e, () =>
        `${e.user} was refused ${denied.size} different children's records within ${windowMinutes} minutes on ${e.day}, none of which they could read: looking for records they have no reason to see.`, '');
    }
  }
  return out.list();
};
