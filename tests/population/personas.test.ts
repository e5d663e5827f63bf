/** Demo personas come from the stored population; their example children really are on and off their caseloads. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { generatePopulation } from '../../src/population/generate.ts';
import { demoPersonas, type Persona } from '../../src/population/personas.ts';
import { buildWorld } from '../../src/population/workforce.ts';
import type { Store } from '../../src/store/store.ts';

const LIVE = `r.valid_from <= now() and (r.valid_to is null or r.valid_to > now()) and r.ended_at is null`;
const EXPECTED: Record<string, { role: string; team?: string; via?: string }> = {
  'health-visitor': { role: 'R8001', team: 'health-visiting', via: 'caseload' },
  'school-nurse': { role: 'R8001', team: 'school-nursing', via: 'school-enrolment' },
  'immunisation-nurse': { role: 'R8001', team: 'immunisation', via: 'caseload' },
  gp: { role: 'R8000', via: 'gp-registration' },
  clinician: { role: 'R8000', team: 'paediatrics', via: 'episode-of-care' },
  clerk: { role: 'R8010', team: 'child-health-records', via: 'caseload' },
  'safeguarding-lead': { role: 'R8001', team: 'safeguarding', via: 'caseload' },
  'ig-officer': { role: 'R0001' },
};

describe.each(storeKinds)('demo personas: $name', (kind) => {
  let store: Store;
  let personas: Persona[];
  beforeAll(async () => {
    store = await kind.open();
    await generatePopulation(store, { children: 3_000, seed: 11 }); // today: the examples are judged at now()
    personas = await demoPersonas(store);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('has every persona, deterministically', async () => {
    expect(personas.map((p) => p.key)).toEqual([...Object.keys(EXPECTED), 'admin']);
    expect(await demoPersonas(store)).toEqual(personas);
    const admin = personas.find((p) => p.key === 'admin')!;
    expect(admin).toMatchObject({ productRole: 'access-admin', scope: 'ntk:admin', roleCode: null, workgroups: [] });
  });

  it('picks real staff with the CIS2 role and workgroup the role mapping expects', async () => {
    for (const p of personas.filter((x) => x.key !== 'admin')) {
      const want = EXPECTED[p.key];
      expect(p.roleCode!.split(':').at(-1), p.key).toBe(want.role);
      const user = (await store.query<{ org_code: string }>('select org_code from users where id = $1', [p.userId])).rows[0];
      expect(user.org_code).toBe(p.orgCode);
      const teams = (await store.query<{ id: string; kind: string }>(
        'select t.id, t.kind from user_teams ut join teams t on t.id = ut.team_id where ut.user_id = $1', [p.userId])).rows;
      expect(teams.map((t) => t.id)).toEqual(p.workgroups);
      if (want.team) expect(teams[0].kind).toBe(want.team);
      const orgKind = (await store.query<{ kind: string }>('select kind from orgs where code = $1', [p.orgCode])).rows[0].kind;
      expect(orgKind === 'gp-practice').toBe(p.key === 'gp');
    }
  });

  it('gives each clinical persona a child they can read and one they cannot', async () => {
    for (const p of personas.filter((x) => EXPECTED[x.key]?.via)) {
      expect(p.canRead, p.key).toMatch(/^999\d{7}$/);
      expect(p.cannotRead, p.key).toMatch(/^999\d{7}$/);
      const team = p.workgroups[0];
      const schools = team
        ? (await store.query<{ s: string }>(`select unnest(schools) as s from teams where id = $1 and kind = 'school-nursing'`, [team])).rows.map((r) => `school:${r.s}`)
        : [];
      const subjects = [`user:${p.userId}`, `org:${p.orgCode}`, ...p.workgroups.map((t) => `team:${t}`), ...schools];
      const rels = async (child: string, live: boolean) =>
        (await store.query<{ type: string }>(
          `select type from relationships r where r.child = $1 and r.subject = any($2) ${live ? `and ${LIVE}` : ''}`,
          [child, subjects],
        )).rows.map((r) => r.type);
      expect(await rels(p.canRead!, true), p.key).toContain(EXPECTED[p.key].via);
      expect(await rels(p.cannotRead!, false), p.key).toEqual([]);
      const flags = (await store.query<{ plain: boolean }>(
        `select bool_and(not sealed and not restricted and labels = '{}'::jsonb and consent_withheld = '{}') as plain
           from children where nhs_number = any($1)`, [[p.canRead, p.cannotRead]])).rows[0];
      expect(flags.plain).toBe(true);
    }
  });
});

describe('scale of the workforce for the full population', () => {
  it('has about 450 practices, 1,500 schools, 100 health-visiting teams and thousands of staff for 800,000 children', () => {
    const world = buildWorld(800_000, 1);
    const kinds = (k: string) => world.orgs.filter((o) => o[2] === k).length;
    expect(kinds('gp-practice')).toBeGreaterThan(420);
    expect(kinds('gp-practice')).toBeLessThan(480);
    expect(kinds('school')).toBeGreaterThan(1_400);
    expect(kinds('school')).toBeLessThan(1_600);
    expect(kinds('local-authority')).toBe(11);
    const hv = world.areas.reduce((n, a) => n + a.teams['health-visiting'].length, 0);
    expect(hv).toBeGreaterThan(90);
    expect(hv).toBeLessThan(110);
    expect(world.users.length).toBeGreaterThan(4_000);
    expect(new Set(world.users.map((u) => u[0])).size).toBe(world.users.length);
  });
});
