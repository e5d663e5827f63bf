/** A safeguarding lead finds staff by name, only within her area, by POST (names never in a URL), audited. */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService, TestUser } from '../support/app.ts';
import { useFixtureService, users } from '../support/fixture.ts';
import { bearer, counts, feedSecondArea, lead2 } from './world.ts';

describe.each(storeKinds)('staff search by name ($name)', (kind) => {
  let svc: TestService;
  useFixtureService(kind, (s) => (svc = s));
  beforeAll(async () => {
    await feedSecondArea(svc);
    const admin = `Bearer ${svc.adminToken()}`;
    const put = async (path: string, body: object) => expect((await svc.http.put(path).set('Authorization', admin).send(body)).status).toBeLessThan(300);
    await put('/v1/orgs/SW001', { name: 'Swindon Old Town Surgery', kind: 'gp-practice', area: 'swindon' });
    // Oxfordshire: a school nurse, a GP in no team. Swindon: a health visitor employed by an Oxfordshire trust, a Swindon GP.
    await put('/v1/users/sn-ox', { name: 'Amara Okafor', orgCode: 'RNU', teams: ['SN-NORTH'] });
    await put('/v1/users/gp-ox', { name: 'Carl Okafor', orgCode: 'K84001', teams: [] });
    await put('/v1/users/hv-sw', { name: 'Bea Okafor', orgCode: 'RNU', teams: ['HV-SWINDON'] });
    await put('/v1/users/gp-sw', { name: 'Dee Okafor', orgCode: 'SW001', teams: [] });
    await put('/v1/users/us-ox', { name: 'Gil Carr_Smith', orgCode: 'RNU', teams: ['SN-NORTH'] });
    await put('/v1/users/pc-ox', { name: 'Hal 100% Sure', orgCode: 'RNU', teams: ['HV-BANBURY'] });
  });

  const search = (body: Record<string, unknown>, by: TestUser = users.lead) => svc.http.post('/v1/staff:search').set('Authorization', bearer(svc, by)).send(body);
  const ids = (r: { body: { staff: { id: string }[] } }) => r.body.staff.map((s) => s.id);

  it('finds staff of her area whose name contains the text, any case, with organisation, teams and role; never anyone outside', async () => {
    const r = await search({ name: 'okaf' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      staff: [
        { id: 'sn-ox', name: 'Amara Okafor', organisation: { code: 'RNU', name: 'Oxford Health NHS FT' },
          teams: [{ id: 'SN-NORTH', name: 'North Oxon school nursing', kind: 'school-nursing', area: 'oxfordshire' }], role: 'school-nurse' },
        { id: 'gp-ox', name: 'Carl Okafor', organisation: { code: 'K84001', name: 'Banbury Cross Practice' }, teams: [], role: 'gp' },
      ],
      truncated: false,
      areas: ['oxfordshire'],
    });
    expect(ids(await search({ name: '  OKAFOR ' }))).toEqual(['sn-ox', 'gp-ox']);
    // The Swindon lead finds the Swindon health visitor (a team there, whatever her employer) and the Swindon GP, and nobody of Oxfordshire.
    expect(ids(await search({ name: 'Okafor' }, lead2))).toEqual(['hv-sw', 'gp-sw']);
    // The role is null when only the sign-in role code would decide it (a paediatrician in a trust).
    expect((await search({ name: 'paed1' })).body.staff).toEqual([
      { id: 'paed1', name: 'User paed1', organisation: { code: 'RTH', name: 'Oxford University Hospitals' }, teams: [expect.objectContaining({ id: 'PAED-JR' })], role: null },
    ]);
  });

  it('matches % and _ literally, and caps the list (truncated)', async () => {
    expect(ids(await search({ name: 'r_s' }))).toEqual(['us-ox']);
    expect(ids(await search({ name: '0%' }))).toEqual(['pc-ox']);
    expect(ids(await search({ name: '%%' }))).toEqual([]);
    const all = await search({ name: 'user' });
    expect(all.body.truncated).toBe(false);
    const capped = await search({ name: 'user', limit: 2 });
    expect(capped.body.staff).toEqual(all.body.staff.slice(0, 2));
    expect(capped.body.truncated).toBe(true);
    // Staff outside every area of hers: hv2 of Swindon health visiting is never found.
    expect(ids(all)).not.toContain('hv2');
    expect(ids(await search({ name: 'user hv' }))).toEqual(['hv1']);
  });

  it('puts the search on the trail as a query, with the text searched and the count', async () => {
    await search({ name: 'Amara' });
    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'audit-query' and actor = 'sg1' order by seq desc limit 1`);
    expect(JSON.parse(rows[0].body)).toMatchObject({ actor: { user: 'sg1', role: 'safeguarding-lead' }, details: { query: 'staff-search', filters: { name: 'Amara', limit: 20 }, results: 1 } });
  });

  it('refuses short or unknown input (400 naming the field), other roles (403) and GET; writes nothing but its own audit', async () => {
    const before = await counts(svc);
    for (const [body, field] of [[{ name: 'o' }, 'body.name'], [{ name: ' o ' }, 'body.name'], [{}, 'body.name'], [{ name: 'okafor', limit: 51 }, 'body.limit'], [{ name: 'okafor', area: 'swindon' }, 'body.area']] as const) {
      const r = await search(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      expect(r.body.errors.map((e: { field: string }) => e.field), JSON.stringify(body)).toContain(field);
    }
    for (const user of [users.hv, users.ig, users.clerk, users.gp]) expect((await search({ name: 'okafor' }, user)).status, user.id).toBe(403);
    expect((await svc.http.get('/v1/staff:search').query({ name: 'okafor' }).set('Authorization', bearer(svc, users.lead))).status).toBe(404);
    expect(await counts(svc)).toEqual(before);
  });
});
