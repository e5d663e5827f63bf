/**
 * Issue 11 #1 and #3 on the import and the feeds: bounded lines and body, a bounded error list,
 * idempotent retries, and dates outside 1900..2100 refused with the field at fault (never a 500).
 */
import { describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService } from '../support/app.ts';
import { NHS, useFixtureService } from '../support/fixture.ts';
import { boundedLines } from '../../src/feeds/lines.ts';
import { TooLarge } from '../../src/errors.ts';

const MB = 1024 * 1024;

describe('boundedLines', () => {
  it('drops the bytes of a 600 MB line as they arrive and reports it as too long', async () => {
    const chunk = Buffer.alloc(MB, 0x61);
    async function* stream() {
      yield Buffer.from('{"a":1}\n');
      for (let i = 0; i < 600; i++) yield chunk;
      yield Buffer.from('\n{"b":2}');
    }
    const lines = [];
    for await (const line of boundedLines(stream(), { maxLineBytes: 64 * 1024, maxBodyBytes: 700 * MB })) lines.push(line);
    expect(lines).toEqual([{ n: 1, text: '{"a":1}' }, { n: 2 }, { n: 3, text: '{"b":2}' }]);
  });

  it('stops with TooLarge once the body passes its limit', async () => {
    async function* stream() {
      for (;;) yield Buffer.from('x\n');
    }
    const read = async () => {
      for await (const _ of boundedLines(stream(), { maxLineBytes: 10, maxBodyBytes: 1000 })) void _;
    };
    await expect(read()).rejects.toBeInstanceOf(TooLarge);
  });
});

describe.each(storeKinds)('relationship import limits ($name)', (kind) => {
  let svc: TestService;
  useFixtureService(kind, (s) => (svc = s));
  const admin = () => `Bearer ${svc.adminToken()}`;
  const ndjson = (body: string) =>
    svc.http.post('/v1/relationships:import').set('Authorization', admin()).set('Content-Type', 'application/x-ndjson').send(body);
  const line = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({ child: NHS.labelled, subject: 'team:SN-NORTH', type: 'caseload', source: 'limits-test', ...extra });

  it('reports a 20 MB line as a per-line error, keeps the other lines, and keeps answering', async () => {
    const body = `${line({ source: 'long-line-test' })}\n{"child":"${'9'.repeat(20 * MB)}"}\n${line({ source: 'long-line-test', type: 'referral' })}\n`;
    const r = await ndjson(body);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accepted: 2, rejected: 1, errors: [{ line: 2, errors: [{ field: 'line', message: expect.stringMatching(/longer than/) }] }] });
    expect((await svc.http.get('/healthz')).status).toBe(200);
    expect((await ndjson(line({ source: 'after-long-line' }))).body).toMatchObject({ accepted: 1 });
  });

  it('answers 413 for a body over the configured limit', async () => {
    const config = svc.services.config;
    const saved = config.importBodyLimit;
    config.importBodyLimit = 4096;
    try {
      const r = await ndjson(`${line()}\n`.repeat(100));
      expect(r.status).toBe(413);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
    } finally {
      config.importBodyLimit = saved;
    }
    expect((await svc.http.get('/healthz')).status).toBe(200);
  });

  it('reports the first 100 bad lines, with the total', async () => {
    const r = await ndjson(Array.from({ length: 150 }, () => '{not json').join('\n'));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accepted: 0, rejected: 150, errorsTruncated: true });
    expect(r.body.errors).toHaveLength(100);
  });

  it('creates nothing twice when the same body is sent again', async () => {
    const body = [line({ source: 'retry-test' }), line({ source: 'retry-test' }), line({ source: 'retry-test', type: 'referral' }), '{bad'].join('\n');
    const first = await ndjson(body);
    expect(first.body).toMatchObject({ accepted: 3, duplicates: 0, rejected: 1 });
    const again = await ndjson(body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 3, rejected: 1 });
    const { rows } = await svc.services.store.query<{ n: number }>(`select count(*)::int as n from relationships where source = 'retry-test'`);
    expect(rows[0].n).toBe(3);
  });

  it('refuses dates outside 1900..2100 or not on the calendar with 400 naming the field, on feeds and import lines', async () => {
    const child = (dateOfBirth: string) => svc.http.put('/v1/children/9990000093').set('Authorization', admin())
      .send({ dateOfBirth, area: 'swindon', gpPractice: 'K84001' });
    for (const dob of ['0000-01-01', '1899-12-31', '2101-01-01', '2021-02-29']) {
      const r = await child(dob);
      expect(r.status, dob).toBe(400);
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain('body.dateOfBirth');
    }
    expect((await child('1900-01-01')).status).toBe(201);
    for (const field of ['validFrom', 'validTo']) {
      const r = await svc.http.post('/v1/relationships').set('Authorization', admin())
        .send({ child: NHS.toddler, subject: 'team:CHR-OX', type: 'caseload', source: 'x', [field]: '0000-01-01T00:00:00Z' });
      expect(r.status, field).toBe(400);
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(`body.${field}`);
    }
    const lines = Array.from({ length: 20 }, (_, i) => line({ source: 'date-test', reason: `line ${i}` }));
    lines.push(line({ source: 'date-test', validTo: '0000-01-01T00:00:00Z' }));
    const r = await ndjson(lines.join('\n'));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accepted: 20, rejected: 1, errors: [{ line: 21, errors: [{ field: 'validTo' }] }] });
  });
});
