/**
 * The parent-safe access report (a parent's subject access request): the same use case as the IG
 * report with view=parent-safe, leaving out what policies/subject-access.json says; and its PDF, which
 * cites the signed checkpoint that covers it, or says which reads it does not cover yet.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService, TestUser } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';
import { pdfText } from '../support/pdf-text.ts';
import { loadSubjectAccessPolicy, parentMaySee, parseSubjectAccessPolicy } from '../../src/ig/subject-access.ts';

const BREAK_GLASS_REASON = 'Collapsed at school, allergy history needed now';
const GRANT_REASON = 'Section 47 enquiry: joint visit with the paediatrician';

describe.each(storeKinds)('parent-safe access report ($name)', (kind) => {
  let svc: TestService;
  let ig: string;
  useFixtureService(kind, (s) => {
    svc = s;
    ig = `Bearer ${svc.tokenFor(users.ig)}`;
  });
  const as = (u: TestUser) => `Bearer ${svc.tokenFor(u)}`;
  const read = async (user: TestUser, sections: string[], extra: Record<string, unknown> = {}) =>
    (await svc.http.post('/v1/authorise').set('Authorization', as(user))
      .send({ child: NHS.teen, sections, action: 'read', purposeOfUse: 'TREAT', ...extra }).expect(200)).body.decisions as { decision: string }[];
  const get = (url: string) => svc.http.get(url).set('Authorization', ig);
  const pdf = (url: string) => get(url).buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });

  beforeAll(async () => {
    // Shown to a parent: the school nurse's and the GP's reads, and a paediatrician's break-glass read.
    expect((await read(users.sn, ['school-nursing', 'confidential'])).map((d) => d.decision)).toEqual(['permit', 'permit']);
    expect((await read(users.gp, ['immunisations', 'safeguarding'])).map((d) => d.decision)).toEqual(['permit', 'deny']);
    const bg = await svc.http.post('/v1/break-glass').set('Authorization', as(users.paed))
      .send({ child: NHS.teen, reasonCode: 'EMERGENCY_TREATMENT', reason: BREAK_GLASS_REASON });
    expect(bg.status).toBe(201);
    expect((await read(users.paed, ['immunisations'], { purposeOfUse: 'BTG', breakGlassId: bg.body.id }))[0].decision).toBe('permit');
    // Left out: the safeguarding lead's read (a referral to her team), and a read under her grant.
    await svc.http.post('/v1/relationships').set('Authorization', `Bearer ${svc.adminToken()}`)
      .send({ child: NHS.teen, subject: 'team:SG-OX', type: 'referral', source: 'test' }).expect((r) => expect(r.status).toBeLessThan(300));
    expect((await read(users.lead, ['immunisations']))[0].decision).toBe('permit');
    const grant = await svc.http.post('/v1/grants').set('Authorization', as(users.lead)).send({
      child: NHS.teen, grantee: 'user:hv2', sections: ['screening'], purposeOfUse: 'TREAT', reason: GRANT_REASON,
      expiresAt: new Date(svc.clock.now.getTime() + 7 * 86_400_000).toISOString(),
    });
    expect(grant.status).toBe(201);
    expect((await read(users.hvOther, ['screening']))[0].decision).toBe('permit');
  });

  it('keeps the IG view whole by default (the existing contract), and records the view on the trail', async () => {
    const full = await get(`/v1/audit/children/${NHS.teen}/access-report`);
    expect(full.status).toBe(200);
    expect(full.body.view).toBe('full');
    expect(full.body.reads.map((r: { user: string }) => r.user).sort()).toEqual(['gp1', 'hv2', 'paed1', 'sg1', 'sn1']);
    expect(full.body.summary.refusedAttempts).toBe(1);
    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'audit-query' order by seq desc limit 1`, []);
    expect(JSON.parse(rows[0].body)).toMatchObject({ child: NHS.teen, details: { query: 'access-report', filters: { view: 'full', format: 'json' }, results: 5 } });
  });

  it('shows a parent who read the record by role and organisation, leaving out what the policy says, and is audited as parent-safe', async () => {
    const r = await get(`/v1/audit/children/${NHS.teen}/access-report?view=parent-safe`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ view: 'parent-safe', child: NHS.teen, summary: { reads: 3, organisations: 3, breakGlassReads: 1 } });
    expect(r.body.reads).toEqual([
      expect.objectContaining({ role: 'school nurse', organisation: { code: 'RNU', name: 'Oxford Health NHS FT' }, sections: ['school-nursing'], purpose: 'care and treatment', breakGlass: false }),
      expect.objectContaining({ role: 'GP', sections: ['immunisations'], because: ['the child is registered with Banbury Cross Practice'] }),
      expect.objectContaining({ role: 'hospital clinician', organisation: { code: 'RTH', name: 'Oxford University Hospitals' }, sections: ['immunisations'], breakGlass: true }),
    ]);
    const text = JSON.stringify(r.body);
    // No staff names or ids, no refusals, nothing about safeguarding, the confidential section, grants or the break-glass reason.
    for (const absent of ['User ', 'sn1', 'gp1', 'paed1', 'sg1', 'hv2', 'refused', 'safeguarding', 'confidential', 'grant', 'auditIds', 'requestId', BREAK_GLASS_REASON]) {
      expect(text, absent).not.toContain(absent);
    }
    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'audit-query' order by seq desc limit 1`, []);
    expect(JSON.parse(rows[0].body)).toMatchObject({ actor: { user: 'ig1' }, child: NHS.teen, details: { query: 'access-report', filters: { view: 'parent-safe' }, results: 3 } });
    const csv = await get(`/v1/audit/children/${NHS.teen}/access-report?view=parent-safe&format=csv`);
    expect(csv.text.split('\n')[0]).toBe('when,role,orgCode,organisation,sections,purpose,breakGlass,because');
    expect(csv.text).not.toContain('sn1');
    expect((await get(`/v1/audit/children/${NHS.teen}/access-report?view=everything`)).body.errors[0].field).toBe('query.view');
  });

  it('gives the parent-safe report as a PDF attachment citing the signed checkpoint that covers every read in it', async () => {
    await svc.services.checkpointer.checkpointNow();
    const r = await pdf(`/v1/audit/children/${NHS.teen}/access-report/pdf`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/pdf');
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="?child-access-report-\d{4}-\d{2}-\d{2}\.pdf"?$/);
    expect(r.headers['cache-control']).toBe('no-store');
    const body = r.body as Buffer;
    expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(body);
    expect(text).toContain('school nurse, Oxford Health NHS FT');
    expect(text).toContain('Emergency access (break-glass)');
    // The cited checkpoint is one the log signed, and its tree size is above every read of the child.
    const size = Number(/Tree size: \n?(\d+)/.exec(text)?.[1]);
    const cited = await svc.services.checkpointer.at(size);
    expect(cited).toBeDefined();
    expect(text).toContain(cited!.rootHash);
    expect(text).toContain(cited!.keyId);
    expect(text).toContain(cited!.note.split('\n')[0]);
    expect(text).toContain(`Every read listed is among the first ${size} events of the trail`);
    const newest = await svc.services.store.query<{ seq: number }>(`select max(seq) as seq from audit_events where kind = 'decision' and child = $1`, [NHS.teen]);
    expect(size).toBeGreaterThan(Number(newest.rows[0].seq));
    expect(text).toContain('GET /v1/audit/keys');
    expect(text).toContain('node audit/verify.mjs --events export.ndjson --keys keys.json --trusted checkpoint.txt');
    // The note itself travels with the PDF, byte for byte, for the verifier.
    expect(body.toString('latin1')).toContain(cited!.note.split('\n')[2]);
    for (const absent of ['User ', 'sn1', 'sg1', 'hv2', 'afeguarding', 'onfidential', 'grant', BREAK_GLASS_REASON, GRANT_REASON]) {
      expect(text, absent).not.toContain(absent);
    }
    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'audit-query' and child = $1 order by seq desc limit 1`, [NHS.teen]);
    expect(JSON.parse(rows[0].body).details).toMatchObject({ query: 'access-report', filters: { view: 'parent-safe', format: 'pdf' }, results: 3 });
  });

  it('says on the PDF which reads the newest checkpoint does not cover yet', async () => {
    // With the checkpointer stopped, a new read is past the newest checkpoint until it runs again.
    await svc.services.checkpointer.stop();
    try {
      await read(users.gp, ['immunisations']);
      const text = pdfText((await pdf(`/v1/audit/children/${NHS.teen}/access-report/pdf`)).body as Buffer);
      expect(text).toMatch(/1 of the 4 reads listed were recorded after the newest signed checkpoint/);
      expect(text.match(/not yet covered by it/g)).toHaveLength(1);
    } finally {
      svc.services.checkpointer.start();
    }
  });

  it('refuses the PDF to everyone but IG', async () => {
    for (const u of [users.hv, users.lead]) {
      expect((await svc.http.get(`/v1/audit/children/${NHS.teen}/access-report/pdf`).set('Authorization', as(u))).status).toBe(403);
    }
  });
});

describe('the subject-access policy file', () => {
  it('is validated at load: an unknown section or a missing purpose word is refused', () => {
    const policy = loadSubjectAccessPolicy();
    expect(() => parseSubjectAccessPolicy({ ...policy, omitSections: ['safeguardng'] })).toThrow();
    const { HLEGAL: _h, ...words } = policy.purposeWords;
    expect(() => parseSubjectAccessPolicy({ ...policy, purposeWords: words })).toThrow();
    expect(() => parseSubjectAccessPolicy({ ...policy, showStaffNames: 'no' })).toThrow();
  });

  it('leaves out reads for legal purposes and under an override, keeps ordinary care', () => {
    expect(parentMaySee({ section: 'immunisations', role: 'gp', purpose: 'HLEGAL', basisKinds: ['relationship'] })).toBe(false);
    expect(parentMaySee({ section: 'demographics', role: 'gp', purpose: 'TREAT', basisKinds: ['relationship', 'override'] })).toBe(false);
    expect(parentMaySee({ section: 'immunisations', role: 'gp', purpose: 'TREAT', basisKinds: ['relationship'] })).toBe(true);
  });
});
