/** The IG officers' audit API: search, proofs, access reports, exports, checkpoints; all audited. */
import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService, TestUser } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';
import { verifyConsistency, verifyInclusion } from '../../src/trail/merkle.ts';
import { verifyCheckpointNote } from '../../src/trail/checkpoint-note.ts';

const run = promisify(execFile);

describe.each(storeKinds)('audit API for IG officers ($name)', (kind) => {
  let svc: TestService;
  let ig: string;
  useFixtureService(kind, (s) => {
    svc = s;
    ig = `Bearer ${svc.tokenFor(users.ig)}`;
  });
  beforeAll(async () => {
    const read = (user: TestUser, child: string, sections: string[]) =>
      svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.tokenFor(user)}`).send({ child, sections, action: 'read', purposeOfUse: 'TREAT' }).expect(200);
    await read(users.hv, NHS.toddler, ['immunisations', 'health-visiting']);
    await read(users.gp, NHS.toddler, ['immunisations']);
    await read(users.hvOther, NHS.toddler, ['health-visiting']);
    await read(users.sn, NHS.teen, ['school-nursing']);
  });

  const get = (url: string) => svc.http.get(url).set('Authorization', ig);
  const auditQueries = async () => (await svc.services.store.query<{ n: number }>(`select count(*)::int as n from audit_events where kind = 'audit-query'`, [])).rows[0].n;

  it('searches by child, newest first, with keyset pages that neither repeat nor skip', async () => {
    const all = await get(`/v1/audit/events?child=${NHS.toddler}&kind=decision&limit=100`);
    expect(all.status).toBe(200);
    expect(all.body.events.map((e: { section: string; actor: { user: string } }) => `${e.actor.user}:${e.section}`)).toEqual([
      'hv2:health-visiting', 'gp1:immunisations', 'hv1:health-visiting', 'hv1:immunisations',
    ]);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { events: { seq: number }[]; nextCursor: string | null } } = await get(`/v1/audit/events?child=${NHS.toddler}&kind=decision&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.events.map((e) => e.seq));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.body.events.map((e: { seq: number }) => e.seq));
  });

  it('filters by actor, organisation, decision and section', async () => {
    const denied = await get(`/v1/audit/events?decision=deny&kind=decision`);
    expect(denied.body.events.every((e: { decision: string }) => e.decision === 'deny')).toBe(true);
    expect(denied.body.events.map((e: { actor: { user: string } }) => e.actor.user)).toContain('hv2');
    const gp = await get(`/v1/audit/events?actor=gp1&section=immunisations`);
    expect(gp.body.events).toHaveLength(1);
    const org = await get(`/v1/audit/events?org=K84001&kind=decision`);
    expect(org.body.events.map((e: { actor: { user: string } }) => e.actor.user)).toEqual(['gp1']);
  });

  it('refuses malformed filters and forged or re-used cursors with 400', async () => {
    expect((await get('/v1/audit/events?child=123')).body.errors[0].field).toBe('query.child');
    expect((await get('/v1/audit/events?limit=0')).status).toBe(400);
    expect((await get('/v1/audit/events?from=yesterday')).status).toBe(400);
    expect((await get('/v1/audit/events?colour=red')).status).toBe(400);
    const page = await get(`/v1/audit/events?child=${NHS.toddler}&limit=1`);
    const cursor: string = page.body.nextCursor;
    const [payload, mac] = cursor.split('.');
    const forged = Buffer.from(JSON.stringify(['2999-01-01T00:00:00.000Z', 1e9, 'x'])).toString('base64url');
    expect((await get(`/v1/audit/events?child=${NHS.toddler}&cursor=${forged}.${mac}`)).body.errors[0].field).toBe('query.cursor');
    expect((await get(`/v1/audit/events?child=${NHS.teen}&limit=1&cursor=${payload}.${mac}`)).status).toBe(400);
  });

  it('returns one event with an inclusion proof that verifies against a signed checkpoint', async () => {
    const search = await get(`/v1/audit/events?actor=gp1&section=immunisations`);
    const id = search.body.events[0].id;
    const r = await get(`/v1/audit/events/${id}`);
    expect(r.status).toBe(200);
    const { seq, leafHash, inclusionProof, checkpoint } = r.body;
    const ok = verifyInclusion(Buffer.from(leafHash, 'base64'), seq, inclusionProof.treeSize, inclusionProof.hashes.map((h: string) => Buffer.from(h, 'base64')), Buffer.from(inclusionProof.rootHash, 'base64'));
    expect(ok).toBe(true);
    const key = createPublicKey((await svc.http.get('/v1/audit/public-key')).text);
    // The deployment's origin (NTK_AUDIT_ORIGIN, default needtoknow.local/<id of event 0>) names the signature.
    const origin = checkpoint.note.split('\n')[0];
    expect(origin).toMatch(/^needtoknow\.local\/[0-9a-f-]{36}$/);
    const body = verifyCheckpointNote(checkpoint.note, key, origin);
    expect(body.treeSize).toBe(inclusionProof.treeSize);
    expect((await get('/v1/audit/events/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('gives consistency proofs between tree sizes', async () => {
    const latest = await get('/v1/audit/checkpoints/latest');
    const size = latest.body.treeSize;
    const r = await get(`/v1/audit/consistency?from=3&to=${size}`);
    expect(r.status).toBe(200);
    expect(verifyConsistency(3, size, Buffer.from(r.body.fromRoot, 'base64'), Buffer.from(r.body.toRoot, 'base64'), r.body.hashes.map((h: string) => Buffer.from(h, 'base64')))).toBe(true);
    expect(r.body.toRoot).toBe(latest.body.rootHash);
    expect((await get(`/v1/audit/consistency?from=5&to=3`)).status).toBe(400);
    expect((await get(`/v1/audit/consistency?from=1&to=999999`)).status).toBe(400);
  });

  it('reports who read a child, when, from where and why, in plain words (JSON and CSV)', async () => {
    const r = await get(`/v1/audit/children/${NHS.toddler}/access-report`);
    expect(r.status).toBe(200);
    expect(r.body.summary).toMatchObject({ reads: 2, people: 2, refusedAttempts: 1 });
    const hv = r.body.reads.find((x: { user: string }) => x.user === 'hv1');
    expect(hv).toMatchObject({ name: 'User hv1', role: 'health visitor', sections: ['immunisations', 'health-visiting'], organisation: { code: 'RNU', name: 'Oxford Health NHS FT' } });
    expect(hv.because).toEqual(['the child is on the caseload of Banbury health visiting']);
    const gp = r.body.reads.find((x: { user: string }) => x.user === 'gp1');
    expect(gp.because).toEqual(['the child is registered with Banbury Cross Practice']);
    const csv = await get(`/v1/audit/children/${NHS.toddler}/access-report?format=csv`);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text.split('\n')[0]).toBe('when,user,name,role,orgCode,organisation,sections,purpose,breakGlass,because,requestId');
  });

  it('exports NDJSON that the independent verifier accepts', async () => {
    await svc.services.checkpointer.checkpointNow();
    const dir = mkdtempSync(path.join(tmpdir(), 'ntk-export-'));
    const r = await get('/v1/audit/export?format=ndjson').buffer(true).parse((res, cb) => { let d = ''; res.on('data', (c: Buffer) => (d += c)); res.on('end', () => cb(null, d)); });
    expect(r.status).toBe(200);
    writeFileSync(path.join(dir, 'events.ndjson'), r.body as string);
    writeFileSync(path.join(dir, 'key.pem'), (await svc.http.get('/v1/audit/public-key')).text);
    const cp = await get('/v1/audit/checkpoints/latest');
    writeFileSync(path.join(dir, 'checkpoint.txt'), cp.body.note);
    const { stdout } = await run(process.execPath, ['audit/verify.mjs', '--events', path.join(dir, 'events.ndjson'), '--public-key', path.join(dir, 'key.pem'), '--trusted', path.join(dir, 'checkpoint.txt')]);
    expect(stdout).toMatch(/OK|verified|holds/i);
  });

  it('exports CSV with a header and one row per event', async () => {
    const r = await get('/v1/audit/export?format=csv');
    const lines = r.text.trim().split('\n');
    expect(lines[0]).toMatch(/^seq,id,ts,kind,user,role/);
    expect(lines.length).toBeGreaterThan(10);
  });

  it('audits every audit call before answering, and refuses everyone but IG', async () => {
    const before = await auditQueries();
    await get(`/v1/audit/events?child=${NHS.teen}`);
    await get(`/v1/audit/children/${NHS.teen}/access-report`);
    await get('/v1/audit/checkpoints/latest');
    expect(await auditQueries()).toBe(before + 3);
    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'audit-query' order by seq desc limit 3`, []);
    expect(JSON.parse(rows[2].body)).toMatchObject({ actor: { user: 'ig1' }, child: NHS.teen, details: { query: 'search', filters: { child: NHS.teen }, results: 2 } }); // the feed's event and the school nurse's read
    for (const u of [users.hv, users.lead]) {
      expect((await svc.http.get('/v1/audit/events').set('Authorization', `Bearer ${svc.tokenFor(u)}`)).status).toBe(403);
    }
  });
});
