/** One synthetic child at a time: demographics, sensitivity flags, and the relationships that tie staff to them. */
import { addDays, ageOn, DAY_MS, isoDate, maxDate, minDate, schoolYearStart } from './dates.ts';
import type { Rng } from './prng.ts';
import type { AreaModel, World } from './workforce.ts';

export const CHILD_COLUMNS = [
  'nhs_number', 'date_of_birth', 'area', 'gp_practice', 'school', 'sealed', 'restricted', 'labels', 'consent_withheld',
];
export const RELATIONSHIP_COLUMNS = ['id', 'child', 'subject', 'type', 'valid_from', 'valid_to', 'source', 'reason'];

const AGE_SPAN_DAYS = 7305; // twenty years: ages 0-19
const HOUR_MS = 3_600_000;

/** Rates (per child) of the facts the brief asks for. */
export const RATES = {
  move: 0.01, gpChange: 0.08, namedHealthVisitor: 0.4, referral: 0.05, referralOpen: 0.4, safeguarding: 0.02,
  safeguardingLabel: 0.25, immunisationCatchUp: 0.02, paediatrics: 0.02, emergency: 0.005, selfClaimed: 0.0005,
  sealed: 0.001, restricted: 0.005, confidentialLabel13to19: 0.015, consentWithheld13to16: 0.02,
};

export class ChildFactory {
  private relSeq = 0;
  readonly relationshipsByType: Record<string, number> = {};
  private readonly yearStart: Date;

  constructor(private readonly world: World, private readonly ref: Date) {
    this.yearStart = schoolYearStart(ref);
  }

  /** Appends one child of the given area to `children` and its relationships to `rels`. */
  make(rng: Rng, areaIndex: number, nhs: string, children: unknown[][], rels: unknown[][]): void {
    const { ref, yearStart } = this;
    const area = this.world.areas[areaIndex];
    const teams = area.teams;
    const ageDays = rng.int(AGE_SPAN_DAYS);
    const dob = addDays(ref, -ageDays);
    const age = ageOn(dob, ref);
    const rel = (subject: string, type: string, from: Date, to: Date | null, reason: string | null = null) => {
      rels.push([`rel-${++this.relSeq}`, nhs, subject, type, from, to, 'generator', reason]);
      this.relationshipsByType[type] = (this.relationshipsByType[type] ?? 0) + 1;
    };
    const daysAgo = (maxDays: number, minDays = 0) => addDays(ref, -rng.range(minDays, Math.max(minDays, Math.min(maxDays, ageDays))));

    // A recent move between areas: the old area's team keeps a short handover.
    let old: AreaModel | null = null;
    let moveDate = ref;
    if (rng.chance(RATES.move) && ageDays > 90) {
      const others = this.world.areas.filter((_, i) => i !== areaIndex);
      old = rng.pick(others);
      moveDate = addDays(ref, -rng.range(1, 30));
    }

    const practiceIndex = rng.int(area.practices.length);
    const practice = area.practices[practiceIndex];
    const registered = minDate(addDays(dob, rng.range(0, 42)), old ? moveDate : ref);
    if (old) {
      rel(`org:${rng.pick(old.practices)}`, 'gp-registration', registered, moveDate);
      rel(`org:${practice}`, 'gp-registration', minDate(addDays(moveDate, rng.range(0, 3)), ref), null);
    } else if (rng.chance(RATES.gpChange) && ageDays > 60 && area.practices.length > 1) {
      const changed = addDays(registered, rng.range(1, Math.round((ref.getTime() - registered.getTime()) / DAY_MS) - 1));
      const previous = area.practices[(practiceIndex + 1 + rng.int(area.practices.length - 1)) % area.practices.length];
      rel(`org:${previous}`, 'gp-registration', registered, changed);
      rel(`org:${practice}`, 'gp-registration', changed, null);
    } else {
      rel(`org:${practice}`, 'gp-registration', registered, null);
    }

    // School: reception at 4 (age on 31 August), secondary from 11, until the end of year 13.
    const schoolAge = ageOn(dob, addDays(yearStart, -1));
    let school: string | null = null;
    let oldSchool: string | null = null;
    if (schoolAge >= 4 && schoolAge <= 17) {
      const secondary = schoolAge >= 11;
      school = rng.pick(secondary ? area.secondaries : area.primaries);
      const entryYear = yearStart.getUTCFullYear() - (schoolAge - (secondary ? 11 : 4));
      const entry = new Date(Date.UTC(entryYear, 8, 1));
      if (old) {
        const previous = rng.pick(secondary ? old.secondaries : old.primaries);
        if (entry < moveDate) { // else the child moved before starting there
          oldSchool = previous;
          rel(`school:${previous}`, 'school-enrolment', entry, moveDate);
        }
      } else if (secondary) {
        const primaryEntry = new Date(Date.UTC(entryYear - 7, 8, 1));
        rel(`school:${rng.pick(area.primaries)}`, 'school-enrolment', primaryEntry, new Date(Date.UTC(entryYear, 6, 31)));
      }
      rel(`school:${school}`, 'school-enrolment', old ? moveDate : entry, null);
    }

    // Health visiting for the under-fives: the team aligned with the GP practice, often a named health visitor.
    if (age < 5) {
      const hv = teams['health-visiting'][practiceIndex % teams['health-visiting'].length];
      rel(`team:${hv.id}`, 'caseload', old ? moveDate : dob, null);
      if (rng.chance(RATES.namedHealthVisitor)) {
        const visit = old ? moveDate : minDate(addDays(dob, rng.range(10, 14)), ref);
        rel(`user:${rng.pick(hv.members)}`, 'caseload', visit, null);
      }
    }
    const records = teams['child-health-records'][practiceIndex % teams['child-health-records'].length];
    if (ageDays < 56) rel(`team:${records.id}`, 'caseload', dob, addDays(dob, 56)); // new birth notification
    if (old) {
      const nursing = old.teams['school-nursing'];
      const oldTeam =
        age < 5
          ? rng.pick(old.teams['health-visiting'])
          : (nursing.find((t) => oldSchool !== null && t.schools.includes(oldSchool)) ?? rng.pick(nursing));
      rel(`team:${oldTeam.id}`, 'handover', moveDate, addDays(moveDate, 28));
      rel(`team:${records.id}`, 'caseload', moveDate, addDays(moveDate, 56)); // transfer in
    }

    if (rng.chance(RATES.referral) && ageDays >= 30) {
      const r = rng.next();
      const kind = r < 0.5 ? 'paediatrics' : r < 0.8 ? (age < 5 ? 'health-visiting' : 'school-nursing') : r < 0.9 ? 'safeguarding' : 'immunisation';
      const team = rng.pick(teams[kind]);
      if (rng.chance(RATES.referralOpen)) {
        rel(`team:${team.id}`, 'referral', daysAgo(90), null);
      } else {
        const from = daysAgo(365, 30);
        rel(`team:${team.id}`, 'referral', from, minDate(addDays(from, rng.range(7, 120)), addDays(ref, -1)));
      }
    }
    const safeguarding = rng.chance(RATES.safeguarding);
    if (safeguarding) rel(`team:${rng.pick(teams.safeguarding).id}`, 'caseload', daysAgo(730), null);
    if (rng.chance(RATES.immunisationCatchUp) && age >= 1) {
      const from = daysAgo(180);
      rel(`team:${rng.pick(teams.immunisation).id}`, 'caseload', from, addDays(from, 365));
    }
    if (rng.chance(RATES.paediatrics)) {
      const from = daysAgo(365);
      const to = rng.chance(0.5) ? addDays(from, rng.range(1, 60)) : null;
      rel(`team:${rng.pick(teams.paediatrics).id}`, 'episode-of-care', from, to && to < ref ? to : null);
    }
    if (rng.chance(RATES.emergency)) {
      const from = maxDate(dob, new Date(ref.getTime() - rng.range(1, 14 * 24) * HOUR_MS));
      rel(`team:${rng.pick(teams.emergency).id}`, 'episode-of-care', from, new Date(from.getTime() + DAY_MS));
    }
    if (rng.chance(RATES.selfClaimed)) {
      const clinician = rng.pick(rng.pick([...teams.paediatrics, ...teams.emergency]).members);
      const from = maxDate(dob, new Date(ref.getTime() - rng.range(1, 240) * HOUR_MS));
      rel(`user:${clinician}`, 'self-claimed', from, new Date(from.getTime() + 8 * HOUR_MS), 'Seen in clinic; referral not yet on record');
    }

    const labels: Record<string, string[]> = {};
    if (safeguarding && rng.chance(RATES.safeguardingLabel)) labels.safeguarding = ['R'];
    if (age >= 13 && rng.chance(RATES.confidentialLabel13to19)) labels.confidential = [rng.chance(0.7) ? 'SEX' : 'MH'];
    const consentWithheld = age >= 13 && age <= 16 && rng.chance(RATES.consentWithheld13to16);
    const sealed = rng.chance(RATES.sealed);
    const restricted = rng.chance(RATES.restricted);
    children.push([
      nhs, isoDate(dob), area.def.code, practice, school, sealed, restricted, JSON.stringify(labels),
      consentWithheld ? '{confidential}' : '{}',
    ]);
  }

  get relationships(): number {
    return this.relSeq;
  }
}
