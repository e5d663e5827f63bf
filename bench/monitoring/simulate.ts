/**
 * A month of normal work on a generated population, written to the trail as decision events, with
 * injected and labelled misuse of every kind the monitoring detectors look for (src/monitoring/).
 * Deterministic for a seed. The month is February 2026 (Europe/London is on GMT then, so local = UTC).
 *
 * Normal work: health visitors read their team's caseload, school nurses the children of their schools,
 * GP practice staff their registered children, other teams the children tied to them; within working
 * hours on weekdays (paediatrics and emergency any day), a few denials. Then the noise of real work, all
 * legitimate and unlabelled: busy days and immunisation sessions, late finishes, leave and cover, team
 * moves, break-glass in emergency and paediatrics, mistyped NHS numbers, and chance matches of the hashes
 * (a namesake household, staff living at the postcode of a child on their list). It is never tuned to
 * the detectors: where a rule flags legitimate work, the rule is what gets looked at (docs/monitoring.md).
 * Children used for misuse are kept out of the normal work, so every case about them is an injected one.
 */
import type { Store } from '../../src/store/store.ts';
import { generatePopulation } from '../../src/population/generate.ts';
import { Rng } from '../../src/population/prng.ts';
import { FactHasher } from '../../src/feeds/hash.ts';
import type { Rule } from '../../src/monitoring/policy.ts';
import type { BasisRef } from '../../src/monitoring/event.ts';
import { appendTimed, type TimedEvent } from './trail-writer.ts';

export interface SimulateOptions {
  seed: number;
  children: number;
  /** Injections of each kind. */
  perKind: number;
}

/** One injected misuse: the case it should open (child absent for per-day rules), on any of `days`. */
export interface Label {
  rule: Rule;
  user: string;
  child?: string;
  days: string[];
}

export interface Simulation {
  labels: Label[];
  /** Staff-days of work (a member of staff at work on a day), and the staff who worked. */
  staffDays: number;
  staff: number;
  days: number;
  events: number;
  /** When the runner should think it is: after the month and the self-claim confirmation window. */
  now: Date;
}

const DAY = 86_400_000;
const MONTH_START = Date.UTC(2026, 1, 2); // Monday 2 February 2026
const MONTH_DAYS = 28;
const REFERENCE = new Date(Date.UTC(2026, 2, 2));
const HASH_KEY = 'monitor-eval';
const ROLE: Record<string, string> = {
  'health-visiting': 'health-visitor', 'school-nursing': 'school-nurse', immunisation: 'immuniser', 'child-health-records': 'records-clerk',
  safeguarding: 'safeguarding-nurse', paediatrics: 'paediatrician', emergency: 'ed-clinician',
};
const ALWAYS = new Set(['paediatrics', 'emergency', 'safeguarding']);
const SECTIONS = ['demographics', 'immunisations', 'screening', 'health-visiting', 'school-nursing'];

interface Staff { id: string; org: string; teams: { id: string; kind: string }[]; role: string; pool: Read[] }
interface Read { child: string; basis: BasisRef[] }
interface Rel { id: string; child: string; subject: string; type: string; from: number; to: number | null }

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const at = (day: number, minute: number) => MONTH_START + day * DAY + minute * 60_000;
const weekday = (day: number) => day % 7 < 5; // the month starts on a Monday

export async function simulate(store: Store, o: SimulateOptions): Promise<Simulation> {
  const rng = new Rng(o.seed, 7);
  await generatePopulation(store, { children: o.children, seed: o.seed, referenceDate: REFERENCE });
  const hasher = new FactHasher(HASH_KEY);
  const { staff, children, rels, teams: teamList } = await load(store);

  // Every child a household of its own; every member of staff a home that is nobody else's.
  const childHome = new Map(children.map((c, i) => [c, { family: `family-${i}`, postcode: `CH${i}` }]));
  const staffHome = new Map(staff.map((s, i) => [s.id, { family: `staff-${i}`, postcode: `ST${i}` }]));
  const labelled: string[] = [];
  const addedRels: Rel[] = [];

  // Children kept for misuse, out of every pool.
  const kinds = 11;
  const reserved = new Set(shuffle(rng, [...children]).slice(0, kinds * o.perKind * 2));
  const spare = [...reserved];
  const takeChild = () => spare.pop()!;
  for (const s of staff) s.pool = s.pool.filter((r) => !reserved.has(r.child));
  const workers = staff.filter((s) => s.pool.length > 0);

  const used = new Set<string>();
  const others = children.filter((c) => !reserved.has(c));

  // Normal work.
  const events: TimedEvent[] = [];
  const decision = (s: Staff, child: string, ms: number, basis: BasisRef[], permit = true, breakGlass = false, sections = 1): void => {
    for (let k = 0; k < sections; k++) {
      events.push({
        at: ms + k * 20_000, kind: 'decision', actor: { user: s.id, role: s.role, org: s.org, client: 'simulated-clinical-system' },
        child, section: SECTIONS[(k + child.length) % SECTIONS.length], action: 'read', purpose: breakGlass ? 'BTG' : 'TREAT',
        decision: permit ? 'permit' : 'deny', breakGlass, requestId: `sim-${events.length}`, policyVersion: 'simulated',
        details: { basis: permit ? basis : [], obligations: [], reason: { code: permit ? (breakGlass ? 'BREAK_GLASS' : 'PERMIT') : 'NO_RELATIONSHIP' } },
      });
    }
  };
  // Noise: legitimate, unlabelled work less tidy than the routine (docs/monitoring.md, "the eval"), planned
  // before the month so that the day loop below stays one pass.
  const basisOf = (r: Rel): BasisRef[] => [{ kind: 'relationship', type: r.type, via: r.subject, relationshipId: r.id }];
  const openRel = new Map<string, Rel>();
  for (const r of rels) if (r.from <= MONTH_START && (r.to === null || r.to > MONTH_START + MONTH_DAYS * DAY)) openRel.set(`${r.subject}|${r.child}`, r);
  const weekdays = [...Array(MONTH_DAYS).keys()].filter(weekday);
  const member = (team: string) => workers.filter((w) => w.teams.some((t) => t.id === team));
  // Leave: about 4% of team staff away for a week; a team-mate covers, reading some of the colleague's
  // children (on the team's own caseload or list) on top of their own.
  const away = new Map<string, Set<number>>();
  const covers = new Map<string, { colleague: Staff; team: string; days: Set<number> }[]>();
  for (const s of shuffle(rng, workers.filter((w) => w.teams.length > 0)).slice(0, Math.round(workers.length * 0.04))) {
    const team = s.teams[0].id;
    const mates = member(team).filter((x) => x.id !== s.id && !away.has(x.id));
    if (!mates.length) continue;
    const week = rng.range(0, 3);
    const days = new Set([0, 1, 2, 3, 4].map((k) => week * 7 + k));
    away.set(s.id, days);
    const mate = rng.pick(mates);
    covers.set(mate.id, [...(covers.get(mate.id) ?? []), { colleague: s, team, days }]);
  }
  // Moves: about 2% of staff change to another team of the same kind mid-month (another locality, perhaps
  // another provider): their own list before the move, the new team's after; the staff feed then says so.
  const moves = new Map<string, { day: number; after: Staff }>();
  for (const s of shuffle(rng, workers.filter((w) => w.teams.length === 1 && !away.has(w.id) && !covers.has(w.id))).slice(0, Math.round(workers.length * 0.02))) {
    const targets = workers.filter((t) => t.teams.length === 1 && t.teams[0].kind === s.teams[0].kind && t.teams[0].id !== s.teams[0].id);
    if (!targets.length) continue;
    const to = rng.pick(targets);
    const pool = to.pool.filter((r) => r.basis[0]?.via !== `user:${to.id}`);
    if (!pool.length) continue;
    moves.set(s.id, { day: rng.range(8, 19), after: { ...s, org: to.org, teams: to.teams, pool } });
    used.add(s.id);
  }
  // Busy days: a quarter of staff hold one catch-up clinic in the month, at 2 to 3 times a usual day.
  const busy = new Map<string, number>();
  for (const s of workers) if (rng.chance(0.25)) busy.set(s.id, rng.pick(weekdays));
  // School-age immunisation sessions (February: HPV, MenACWY and Td by year group): each immunisation team
  // holds two session days at schools of its area; a year group (about a seventh of the school) is shared
  // among two to four nurses, each reading their share on the school enrolment.
  const sessions = new Map<string, Map<number, Read[]>>();
  for (const t of teamList.filter((x) => x.kind === 'immunisation')) {
    const area = t.id.split('-')[1];
    const schools = teamList.filter((x) => x.kind === 'school-nursing' && x.id.split('-')[1] === area).flatMap((x) => x.schools);
    const nurses = member(t.id);
    if (!schools.length || !nurses.length) continue;
    for (const d of shuffle(rng, [...weekdays]).slice(0, 2)) {
      const school = rng.pick(schools);
      const enrolled = shuffle(rng, rels.filter((r) => r.subject === `school:${school}` && openRel.get(`${r.subject}|${r.child}`) === r && !reserved.has(r.child)));
      const cohort = enrolled.slice(0, Math.ceil(enrolled.length / 7));
      const team = shuffle(rng, nurses.filter((n) => !away.get(n.id)?.has(d))).slice(0, rng.range(2, 4));
      cohort.forEach((r, k) => {
        const n = team[k % team.length];
        if (!n) return;
        const day = sessions.get(n.id) ?? sessions.set(n.id, new Map()).get(n.id)!;
        day.set(d, [...(day.get(d) ?? []), { child: r.child, basis: basisOf(r) }]);
      });
    }
  }

  let staffDays = 0;
  const worked = new Set<string>();
  for (let d = 0; d < MONTH_DAYS; d++) {
    for (const w of workers) {
      const move = moves.get(w.id);
      const s = move && d >= move.day ? move.after : w;
      const always = s.teams.some((t) => ALWAYS.has(t.kind));
      const session = sessions.get(w.id)?.get(d);
      if (away.get(w.id)?.has(d)) continue;
      if (!session && !(weekday(d) ? rng.chance(0.8) : always && rng.chance(0.3))) continue;
      staffDays++;
      worked.add(s.id);
      const usual = rng.range(2, 10);
      const n = Math.min(s.pool.length, busy.get(w.id) === d ? Math.round(usual * (2 + rng.next())) : usual);
      const reads = session ?? shuffle(rng, [...s.pool]).slice(0, n);
      for (const c of covers.get(w.id) ?? []) {
        if (!c.days.has(d)) continue;
        for (const r of shuffle(rng, [...c.colleague.pool]).slice(0, rng.range(2, 5))) {
          const rel = openRel.get(`team:${c.team}|${r.child}`);
          if (rel) reads.push({ child: r.child, basis: basisOf(rel) });
        }
      }
      // Late finish: on one working day in ten, the day's last reads between 17:30 and 18:25.
      const late = !always && rng.chance(0.1) ? rng.range(1, 2) : 0;
      reads.forEach((r, k) => {
        const minute = always ? rng.int(24 * 60) : k >= reads.length - late ? rng.range(17 * 60 + 30, 18 * 60 + 25) : rng.range(8 * 60, 17 * 60 + 30);
        // A mistyped NHS number now and then: refused for another child, then the intended one.
        if (rng.chance(0.01)) decision(s, rng.pick(others), at(d, minute) - 60_000, [], false);
        decision(s, r.child, at(d, minute), r.basis, true, false, rng.range(1, 2));
      });
      if (rng.chance(0.05)) decision(s, rng.pick(children), at(d, always ? rng.int(24 * 60) : rng.range(9 * 60, 16 * 60)), [], false);
    }
  }
  // Legitimate break-glass: emergency and paediatric clinicians (a child not yet registered anywhere, an
  // unconscious child), each at a rate of their own between 0.3 and 2 a month (nights and resus shifts more).
  for (const s of workers.filter((w) => w.teams.some((t) => t.kind === 'emergency' || t.kind === 'paediatrics'))) {
    const rate = 0.3 + 1.7 * rng.next();
    for (let d = 0; d < MONTH_DAYS; d++) {
      if (rng.chance(rate / MONTH_DAYS)) decision(s, rng.pick(others), at(d, rng.int(24 * 60)), [{ kind: 'break-glass' }], true, true);
    }
  }
  // Chance matches of the feeds' hashes (ahead of the misuse, whose staff are chosen among those left),
  // read only if ordinary work happens to reach the child:
  // - a household namesake: about one member of staff in 200 has an unrelated family of the same family
  //   name at their postcode (some 16 households to a postcode, the spread of British family names), and for
  //   about a third of them that family's child is on their list. The household rule should and does flag a
  //   read: from keyed hashes it cannot be told from their own family; IG closes it as appropriate;
  // - living near: about one in ten GP-practice and school-nursing staff live at the postcode of a child
  //   on their practice list or school roll. The neighbour rule flags a GP-practice member's read (a practice
  //   list is not direct care, and the neighbour misuse it looks for rests on it), not a school nurse's (the
  //   school roll is her team's caseload: policies/monitoring.json directCare).
  for (const s of workers.filter((w) => !used.has(w.id))) {
    if (!rng.chance(0.005 / 3)) continue;
    staffHome.set(s.id, childHome.get(rng.pick(s.pool).child)!);
    used.add(s.id);
  }
  for (const s of workers.filter((w) => !used.has(w.id) && (w.teams.length === 0 || w.teams[0].kind === 'school-nursing'))) {
    if (!rng.chance(0.1)) continue;
    const list = s.pool.filter((r) => r.basis[0]?.type === 'gp-registration' || r.basis[0]?.type === 'school-enrolment');
    if (!list.length) continue;
    staffHome.set(s.id, { family: staffHome.get(s.id)!.family, postcode: childHome.get(rng.pick(list).child)!.postcode });
    used.add(s.id);
  }

  // Hard negatives, no case wanted: health visitors living at the postcode of a child on their own caseload
  // (direct care), and self-claims that a referral to the claimant's team confirms the next day.
  for (const s of shuffle(rng, workers.filter((w) => w.teams.some((t) => t.kind === 'health-visiting'))).slice(0, 5)) {
    const r = s.pool.find((x) => x.basis[0]?.type === 'caseload');
    if (!r) continue;
    staffHome.set(s.id, { family: staffHome.get(s.id)!.family, postcode: childHome.get(r.child)!.postcode });
    decision(s, r.child, at(7 * rng.range(0, 3) + rng.range(0, 4), rng.range(9 * 60, 16 * 60)), r.basis);
    used.add(s.id);
  }
  for (const s of shuffle(rng, workers.filter((w) => w.teams.some((t) => t.kind === 'paediatrics'))).slice(0, 3)) {
    const c = rng.pick(others);
    const d = rng.range(0, MONTH_DAYS - 5);
    const t = at(d, rng.range(9 * 60, 16 * 60));
    const claim: Rel = { id: `sim-rel-${addedRels.length}`, child: c, subject: `user:${s.id}`, type: 'self-claimed', from: t - 60_000, to: t + 8 * 3_600_000 };
    addedRels.push(claim, { id: `sim-rel-${addedRels.length + 1}`, child: c, subject: `team:${s.teams.find((x) => x.kind === 'paediatrics')!.id}`, type: 'referral', from: t + DAY, to: null });
    decision(s, c, t, [{ kind: 'relationship', type: 'self-claimed', via: claim.subject, relationshipId: claim.id }]);
    used.add(s.id);
  }

  // Misuse: each by a member of staff used for nothing else, on a weekday of weeks 2 to 4.
  const labels: Label[] = [];
  const takeStaff = (fits: (s: Staff) => boolean = () => true): Staff => {
    const s = shuffle(rng, workers.filter((w) => !used.has(w.id) && fits(w)))[0];
    if (!s) throw new Error('the population is too small for the misuse wanted: generate more children');
    used.add(s.id);
    return s;
  };
  const misuseDay = () => {
    for (;;) {
      const d = rng.range(7, MONTH_DAYS - 1);
      if (weekday(d)) return d;
    }
  };
  const office = () => rng.range(9 * 60, 16 * 60);
  const gpBasis = (child: string): BasisRef[] => {
    const r = rels.find((x) => x.child === child && x.type === 'gp-registration' && x.to === null);
    return [{ kind: 'relationship', type: 'gp-registration', via: r?.subject, relationshipId: r?.id }];
  };
  const label = (rule: Rule, s: Staff, days: number[], child?: string) => labels.push({ rule, user: s.id, ...(child ? { child } : {}), days: days.map((d) => dayOf(at(d, 0))) });
  const hoursBound = (s: Staff) => !s.teams.some((t) => ALWAYS.has(t.kind));
  for (let i = 0; i < o.perKind; i++) {
    { // household: reads their own family's child
      const s = takeStaff(); const c = takeChild(); const d = misuseDay();
      staffHome.set(s.id, childHome.get(c)!);
      decision(s, c, at(d, office()), gpBasis(c));
      label('household', s, [d], c);
    }
    { // neighbour: same postcode, another family
      const s = takeStaff(); const c = takeChild(); const d = misuseDay();
      staffHome.set(s.id, { family: staffHome.get(s.id)!.family, postcode: childHome.get(c)!.postcode });
      decision(s, c, at(d, office()), gpBasis(c));
      label('neighbour', s, [d], c);
    }
    { // coworker-family: a colleague's child
      const s = takeStaff((w) => workers.some((x) => x.id !== w.id && x.org === w.org && !used.has(x.id)));
      const colleague = takeStaff((w) => w.org === s.org);
      const c = takeChild(); const d = misuseDay();
      staffHome.set(colleague.id, childHome.get(c)!);
      decision(s, c, at(d, office()), gpBasis(c));
      label('coworker-family', s, [d], c);
    }
    { // monitored-label: a VIP's child
      const s = takeStaff(); const c = takeChild(); const d = misuseDay();
      labelled.push(c);
      decision(s, c, at(d, office()), gpBasis(c));
      label('monitored-label', s, [d], c);
    }
    { // volume: a hundred children in a day
      const s = takeStaff(hoursBound); const d = misuseDay();
      for (const c of shuffle(rng, [...others]).slice(0, 100)) decision(s, c, at(d, office()), gpBasis(c));
      label('volume', s, [d]);
    }
    { // probing: refused for eight children in ten minutes
      const s = takeStaff(hoursBound); const d = misuseDay(); const start = office();
      const pool = new Set(s.pool.map((r) => r.child));
      shuffle(rng, others.filter((c) => !pool.has(c))).slice(0, 8).forEach((c, k) => decision(s, c, at(d, start) + k * 70_000, [], false));
      label('probing', s, [d]);
    }
    { // out-of-hours: their own caseload, late at night
      const s = takeStaff(hoursBound); const d = misuseDay();
      for (const r of s.pool.slice(0, 3)) decision(s, r.child, at(d, rng.range(21 * 60 + 30, 23 * 60 + 30)), r.basis);
      label('out-of-hours', s, [d]);
    }
    { // break-glass-rate: eight break-glasses in the month
      const s = takeStaff(); const days = shuffle(rng, [...Array(MONTH_DAYS).keys()].filter(weekday)).slice(0, 8).sort((a, b) => a - b);
      days.forEach((d) => decision(s, rng.pick(others), at(d, office()), [{ kind: 'break-glass' }], true, true));
      label('break-glass-rate', s, days);
    }
    { // break-glass-household: break-glass on their own family's child
      const s = takeStaff(); const c = takeChild(); const d = misuseDay();
      staffHome.set(s.id, childHome.get(c)!);
      decision(s, c, at(d, office()), [{ kind: 'break-glass' }], true, true);
      label('break-glass-household', s, [d], c);
    }
    { // stale-basis: a referral closed two months before, or a handover three weeks old
      const s = takeStaff((w) => w.teams.length > 0); const c = takeChild(); const d = misuseDay(); const team = s.teams[0].id;
      const handover = i % 2 === 1;
      const r: Rel = handover
        ? { id: `sim-rel-${addedRels.length}`, child: c, subject: `team:${team}`, type: 'handover', from: at(d - 21, 0), to: at(d + 7, 0) }
        : { id: `sim-rel-${addedRels.length}`, child: c, subject: `team:${team}`, type: 'referral', from: at(-150, 0), to: at(-60, 0) };
      addedRels.push(r);
      decision(s, c, at(d, office()), [{ kind: 'relationship', type: r.type, via: r.subject, relationshipId: r.id }]);
      label('stale-basis', s, [d], c);
    }
    { // self-claim-unconfirmed: claims a child nothing else ties to them
      const s = takeStaff(); const d = misuseDay(); const t = at(d, office());
      const subjects = new Set([`user:${s.id}`, `org:${s.org}`, ...s.teams.map((x) => `team:${x.id}`)]);
      const c = spare.find((x) => !rels.some((r) => r.child === x && subjects.has(r.subject)));
      if (!c) throw new Error('no child left for a self-claim');
      spare.splice(spare.indexOf(c), 1);
      const r: Rel = { id: `sim-rel-${addedRels.length}`, child: c, subject: `user:${s.id}`, type: 'self-claimed', from: t - 60_000, to: t + 8 * 3_600_000 };
      addedRels.push(r);
      decision(s, c, t, [{ kind: 'relationship', type: 'self-claimed', via: r.subject, relationshipId: r.id }]);
      label('self-claim-unconfirmed', s, [d], c);
    }
  }

  await writeFacts(store, hasher, childHome, staffHome, labelled, addedRels, [...moves.entries()].map(([id, m]) => ({ id, team: m.after.teams[0].id, org: m.after.org })));
  await appendTimed(store, events);
  return { labels, staffDays, staff: worked.size, days: MONTH_DAYS, events: events.length, now: new Date(MONTH_START + (MONTH_DAYS + 4) * DAY) };
}

/** Staff with their teams and the children their work reaches (open relationships all month long), children, relationships. */
async function load(store: Store): Promise<{ staff: Staff[]; children: string[]; rels: Rel[]; teams: { id: string; kind: string; schools: string[] }[] }> {
  const users = (await store.query<{ id: string; org: string; teams: { id: string; kind: string }[] | null }>(
    `select u.id, u.org_code as org, (select json_agg(json_build_object('id', t.id, 'kind', t.kind) order by t.kind, t.id)
       from user_teams ut join teams t on t.id = ut.team_id where ut.user_id = u.id) as teams from users u order by u.id`)).rows;
  const schools = (await store.query<{ id: string; kind: string; schools: string[] | null }>('select id, kind, schools from teams order by id')).rows;
  const children = (await store.query<{ n: string }>('select nhs_number as n from children order by nhs_number')).rows.map((r) => r.n);
  const rels = (await store.query<{ id: string; child: string; subject: string; type: string; from: Date; to: Date | null }>(
    'select id, child, subject, type, valid_from as from, valid_to as to from relationships order by id')).rows
    .map((r) => ({ id: r.id, child: r.child, subject: r.subject, type: r.type, from: new Date(r.from).getTime(), to: r.to === null ? null : new Date(r.to).getTime() }));
  const open = rels.filter((r) => r.from <= MONTH_START && (r.to === null || r.to > MONTH_START + MONTH_DAYS * DAY) && r.type !== 'handover' && r.type !== 'self-claimed');
  const bySubject = new Map<string, Rel[]>();
  for (const r of open) bySubject.set(r.subject, [...(bySubject.get(r.subject) ?? []), r]);
  const schoolTeam = new Map<string, string>();
  for (const t of schools) for (const s of t.schools ?? []) schoolTeam.set(s, t.id);
  const read = (r: Rel): Read => ({ child: r.child, basis: [{ kind: 'relationship', type: r.type, via: r.subject, relationshipId: r.id }] });
  const staff = users.map((u): Staff => {
    const teams = u.teams ?? [];
    const mine = teams.length
      ? teams.flatMap((t) => [
        ...(bySubject.get(`team:${t.id}`) ?? []),
        ...(t.kind === 'school-nursing' ? open.filter((r) => r.type === 'school-enrolment' && schoolTeam.get(r.subject.slice('school:'.length)) === t.id) : []),
      ])
      : (bySubject.get(`org:${u.org}`) ?? []);
    const seen = new Set<string>();
    const pool = [...(bySubject.get(`user:${u.id}`) ?? []), ...mine].filter((r) => !seen.has(r.child) && seen.add(r.child)).map(read);
    return { id: u.id, org: u.org, teams, role: teams.length ? ROLE[teams[0].kind] ?? teams[0].kind : 'gp', pool };
  });
  return { staff, children, rels, teams: schools.map((t) => ({ id: t.id, kind: t.kind, schools: t.schools ?? [] })) };
}

async function writeFacts(
  store: Store, hasher: FactHasher, childHome: Map<string, { family: string; postcode: string }>,
  staffHome: Map<string, { family: string; postcode: string }>, labelled: string[], rels: Rel[], moves: { id: string; team: string; org: string }[],
): Promise<void> {
  const set = async (table: 'children' | 'users', key: string, homes: Map<string, { family: string; postcode: string }>) => {
    const list = [...homes.entries()];
    await store.query(
      `update ${table} t set family_name_hash = x.f, postcode_hash = x.p from unnest($1::text[], $2::text[], $3::text[]) x(k, f, p) where t.${key} = x.k`,
      [list.map(([k]) => k), list.map(([, h]) => hasher.hash('family-name', h.family)), list.map(([, h]) => hasher.hash('postcode', h.postcode))],
    );
  };
  await set('children', 'nhs_number', childHome);
  await set('users', 'id', staffHome);
  await store.query(`update children set labels = labels || '{"demographics":["vip"]}'::jsonb where nhs_number = any($1::text[])`, [labelled]);
  // Staff who moved team mid-month: the staff feed now says where they work.
  await store.query('delete from user_teams where user_id = any($1::text[])', [moves.map((m) => m.id)]);
  await store.query('insert into user_teams (user_id, team_id) select * from unnest($1::text[], $2::text[])', [moves.map((m) => m.id), moves.map((m) => m.team)]);
  await store.query('update users u set org_code = m.org from unnest($1::text[], $2::text[]) m(id, org) where u.id = m.id', [moves.map((m) => m.id), moves.map((m) => m.org)]);
  if (rels.length) {
    await store.copyRows('relationships', ['id', 'child', 'subject', 'type', 'valid_from', 'valid_to', 'source', 'reason'],
      rels.map((r) => [r.id, r.child, r.subject, r.type, new Date(r.from), r.to === null ? null : new Date(r.to), 'simulator', null]));
  }
}

/** Fisher-Yates, in place, from the seeded generator. */
function shuffle<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
