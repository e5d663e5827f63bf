/** out-of-hours: reads outside the working hours of the reader's team kind (local time); break-glass reads are reviewed anyway. */
import { Findings, isRead, type Detector } from '../finding.ts';
import type { MonitoringPolicy, WorkingHours } from '../policy.ts';
import type { StaffFacts } from '../facts.ts';

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** The hours that apply to a user: 'always' if any of their teams works round the clock, else their first team kind's, else the default. */
export function hoursOf(staff: StaffFacts | undefined, policy: MonitoringPolicy): WorkingHours {
  if (!staff) return hoursFor(undefined, policy);
  let byPolicy = memo.get(staff);
  if (!byPolicy) memo.set(staff, (byPolicy = new WeakMap()));
  let h = byPolicy.get(policy);
  if (!h) byPolicy.set(policy, (h = hoursFor(staff, policy)));
  return h;
}

/** Once per staff object and policy: staff facts are cached across rounds (facts.ts). */
const memo = new WeakMap<StaffFacts, WeakMap<MonitoringPolicy, WorkingHours>>();

function hoursFor(staff: StaffFacts | undefined, policy: MonitoringPolicy): WorkingHours {
  const table = policy['out-of-hours'].hours;
  const kinds = [...new Set((staff?.teams ?? []).map((t) => t.kind))].sort();
  if (kinds.some((k) => table[k] === 'always')) return 'always';
  const kind = kinds.find((k) => table[k]);
  return table[kind ?? 'default'];
}

export const outOfHours: Detector = (events, facts, policy) => {
  const out = new Findings();
  for (const e of events) {
    if (!isRead(e)) continue;
    const h = hoursOf(facts.users.get(e.user), policy);
    if (h === 'always' || (h.days.includes(e.weekday) && e.minute >= minutes(h.from) && e.minute < minutes(h.to))) continue;
    const at = `${String(Math.floor(e.minute / 60)).padStart(2, '0')}:${String(e.minute % 60).padStart(2, '0')}`;
    out.add('out-of-hours', e, () =>
      `${e.user} read child records at ${at} on ${e.day}, outside their team's working hours (${h.from} to ${h.to}, days ${h.days.join(',')}), without break-glass.`, '');
  }
  return out.list();
};
