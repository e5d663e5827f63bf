/** Organisations, teams and staff of each area, scaled to the number of children; small enough to hold in memory. */
import { AREAS, CHILDREN_PER_PRACTICE, CHILDREN_PER_SCHOOL, SECONDARY_SCHOOL_SHARE, TEAM_KINDS, TEAM_SPECS } from './areas.ts';
import type { AreaDef, TeamKind } from './areas.ts';
import { personName, practiceName, primarySchoolName, secondarySchoolName, townFor } from './names.ts';
import { Rng } from './prng.ts';

export interface Team {
  id: string;
  kind: TeamKind;
  orgCode: string;
  members: string[];
  schools: string[];
}

export interface AreaModel {
  def: AreaDef;
  children: number;
  practices: string[];
  primaries: string[];
  secondaries: string[];
  teams: Record<TeamKind, Team[]>;
}

export interface World {
  areas: AreaModel[];
  orgs: unknown[][];
  teams: unknown[][];
  users: unknown[][];
  userTeams: unknown[][];
}

const scaled = (children: number, per: number, min: number) => Math.max(min, Math.round(children / per));
const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Children per area by share; the last area takes the remainder so the total is exact. */
export function childrenPerArea(total: number): number[] {
  const counts = AREAS.map((a) => Math.floor(total * a.share));
  counts[counts.length - 1] += total - counts.reduce((s, n) => s + n, 0);
  return counts;
}

export function buildWorld(totalChildren: number, seed: number): World {
  const rng = new Rng(seed, 1);
  const world: World = { areas: [], orgs: [], teams: [], users: [], userTeams: [] };
  const seenOrgs = new Set<string>();
  let userSeq = 0;
  let urn = 110_000;
  const addOrg = (code: string, name: string, kind: string, area: string) => {
    if (seenOrgs.has(code)) return false;
    seenOrgs.add(code);
    world.orgs.push([code, name, kind, area]);
    return true;
  };
  const addUser = (orgCode: string) => {
    const id = `u${pad(++userSeq, 6)}`;
    world.users.push([id, personName(rng), orgCode]);
    return id;
  };

  childrenPerArea(totalChildren).forEach((children, areaIndex) => {
    const def = AREAS[areaIndex];
    for (const la of def.localAuthorities) addOrg(la.code, la.name, 'local-authority', def.code);
    // Information governance: privacy officers and a Caldicott guardian per provider, outside any team.
    for (const provider of [{ ...def.community }, ...def.acute.map((a) => ({ ...a, kind: 'trust' }))]) {
      if (addOrg(provider.code, provider.name, provider.kind, def.code)) for (let i = 0; i < 3; i++) addUser(provider.code);
    }

    const practices: string[] = [];
    let practiceSeq = 0;
    for (let i = 0, n = scaled(children, CHILDREN_PER_PRACTICE, 2); i < n; i++) {
      practiceSeq += rng.range(1, 3);
      const code = `${def.gpPrefix}${pad(practiceSeq, 3)}`;
      practices.push(code);
      addOrg(code, practiceName(rng, townFor(def.towns, i)), 'gp-practice', def.code);
    }

    const schools = scaled(children, CHILDREN_PER_SCHOOL, 2);
    const secondaryCount = Math.min(schools - 1, scaled(schools, 1 / SECONDARY_SCHOOL_SHARE, 1));
    const primaries: string[] = [];
    const secondaries: string[] = [];
    for (let i = 0; i < schools; i++) {
      urn += rng.range(1, 29);
      const secondary = i < secondaryCount;
      const town = townFor(def.towns, secondary ? i : i - secondaryCount);
      (secondary ? secondaries : primaries).push(String(urn));
      addOrg(String(urn), secondary ? secondarySchoolName(rng, town) : primarySchoolName(rng, town), 'school', def.code);
    }

    const teams = {} as Record<TeamKind, Team[]>;
    for (const kind of TEAM_KINDS) {
      const spec = TEAM_SPECS[kind];
      teams[kind] = [];
      for (let i = 0, n = scaled(children, spec.childrenPerTeam, 1); i < n; i++) {
        const orgCode =
          kind === 'paediatrics' || kind === 'emergency'
            ? def.acute[i % def.acute.length].code
            : kind === 'safeguarding' && i % 2 === 1
              ? def.localAuthorities[(i >> 1) % def.localAuthorities.length].code // multi-agency safeguarding hub
              : def.community.code;
        const team: Team = { id: `${spec.prefix}-${def.short}-${pad(i + 1, 2)}`, kind, orgCode, members: [], schools: [] };
        teams[kind].push(team);
        for (let m = 0, size = rng.range(8, 15); m < size; m++) team.members.push(addUser(orgCode));
        world.userTeams.push(...team.members.map((u) => [u, team.id]));
        world.teams.push([team.id, `${townFor(def.towns, i)} ${spec.label}`, orgCode, kind, def.code, team.schools]);
      }
    }
    // Each school is covered by one school-nursing team; some school nurses also give school-age immunisations.
    [...primaries, ...secondaries].forEach((s, i) => teams['school-nursing'][i % teams['school-nursing'].length].schools.push(s));
    teams['school-nursing'].forEach((sn, i) => {
      const imm = teams.immunisation[i % teams.immunisation.length];
      for (const u of sn.members) if (rng.chance(0.05)) world.userTeams.push([u, imm.id]);
    });
    for (const code of practices) for (let i = 0, n = rng.range(3, 8); i < n; i++) addUser(code);
    world.areas.push({ def, children, practices, primaries, secondaries, teams });
  });
  // teams.schools is filled after the team row was created: render it as a PostgreSQL array literal now.
  for (const row of world.teams) row[5] = `{${(row[5] as string[]).join(',')}}`;
  return world;
}
