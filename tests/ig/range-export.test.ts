/**
 * Verifiable ranges: an NDJSON export of a time range (a month, here the part of it after an instant)
 * with its range sidecar verifies alone with audit/verify.mjs --range, and any change to it is caught;
 * the published checkpoints page oldest first.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';
import { CHECKPOINTS_FILE } from '../../src/trail/publish.ts';

const VERIFIER = path.resolve(import.meta.dirname, '../../audit/verify.mjs');
const verifier = (...args: string[]) => {
  const r = spawnSync(process.execPath, [VERIFIER, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, verdict: r.stdout.trim().split('\n').pop() ?? '' };
};

describe.each(storeKinds)('range exports and the checkpoint history ($name)', (kind) => {
  let svc: TestService;
  let ig: string;
  let since: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'ntk-range-'));
  useFixtureService(kind, (s) => {
    svc = s;
    ig = `Bearer ${svc.tokenFor(users.ig)}`;
  });
  const get = (url: string) => svc.http.get(url).set('Authorization', ig);
  const getText = async (url: string) => {
    const r = await get(url).buffer(true).parse((res, cb) => {
      let d = '';
      res.on('data', (c: Buffer) => (d += c));
      res.on('end', () => cb(null, d));
    });
    return { status: r.status, text: r.body as string };
  };
  beforeAll(async () => {
    await svc.services.checkpointer.checkpointNow();
    // Events strictly after `since`: their ts is taken when they are appended.
    since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    for (const child of [NHS.toddler, NHS.teen, NHS.toddler]) {
      await svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.tokenFor(users.hv)}`).send({ child, sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT' }).expect(200);
    }
  });

  it('a time range\'s export and its sidecar verify alone; an edit is caught', async () => {
    const now = new Date();
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
    const proof = await get(`/v1/audit/export/range-proof?from=${since}&to=${nextMonth}`);
    expect(proof.status, JSON.stringify(proof.body)).toBe(200);
    const { start, end } = proof.body;
    expect(start).toBeGreaterThan(0);
    expect(end - start).toBeGreaterThanOrEqual(3);
    const exported = await getText(`/v1/audit/export?format=ndjson&fromSeq=${start}&toSeq=${end}`);
    expect(exported.status).toBe(200);
    const lines = exported.text.trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual(Array.from({ length: end - start }, (_, i) => start + i));
    expect(lines.every((l) => JSON.parse(l).ts >= since)).toBe(true);

    const events = path.join(dir, `${kind.name}.ndjson`);
    const sidecar = `${events}.range.json`;
    const keys = path.join(dir, `${kind.name}.keys.json`);
    writeFileSync(events, exported.text);
    writeFileSync(sidecar, JSON.stringify(proof.body));
    writeFileSync(keys, JSON.stringify((await svc.http.get('/v1/audit/keys')).body));
    const ok = verifier('--events', events, '--range', sidecar, '--keys', keys);
    expect(ok.status, ok.stdout).toBe(0);

    const edited = path.join(dir, `${kind.name}.edited.ndjson`);
    writeFileSync(edited, exported.text.replace('"purpose":"TREAT"', '"purpose":"AUDIT"'));
    expect(readFileSync(edited, 'utf8')).not.toBe(exported.text);
    expect(verifier('--events', edited, '--range', sidecar, '--keys', keys).status).toBe(1);
  });

  it('a seq range verifies alone too, and bad ranges are refused naming the field', async () => {
    const proof = await get('/v1/audit/export/range-proof?fromSeq=2&toSeq=5');
    expect(proof.body).toMatchObject({ format: 'needtoknow-range/v1', start: 2, end: 5 });
    expect(proof.body.compactRange).toHaveLength(1);
    const exported = await getText('/v1/audit/export?format=ndjson&fromSeq=2&toSeq=5');
    const events = path.join(dir, `${kind.name}.seq.ndjson`);
    writeFileSync(events, exported.text);
    writeFileSync(`${events}.range.json`, JSON.stringify(proof.body));
    writeFileSync(`${events}.keys.json`, JSON.stringify((await svc.http.get('/v1/audit/keys')).body));
    const ok = verifier('--events', events, '--range', `${events}.range.json`, '--keys', `${events}.keys.json`);
    expect(ok.status, ok.stdout).toBe(0);

    const bad = await get('/v1/audit/export/range-proof?fromSeq=5&toSeq=2');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('fromSeq');
    expect((await get('/v1/audit/export/range-proof?toSeq=99999999')).status).toBe(400);
    expect((await get('/v1/audit/export?format=csv&fromSeq=1')).status).toBe(400);
  });

  it('pages the published checkpoints oldest first', async () => {
    await svc.services.checkpointer.checkpointNow();
    const sizes: number[] = [];
    let from = 0;
    for (let page = 0; page < 100; page++) {
      const r = await get(`/v1/audit/checkpoints?fromSize=${from}&limit=2`);
      expect(r.status).toBe(200);
      expect(r.body.checkpoints.length).toBeLessThanOrEqual(2);
      sizes.push(...r.body.checkpoints.map((c: { treeSize: number }) => c.treeSize));
      if (r.body.nextFromSize === null) break;
      from = r.body.nextFromSize;
    }
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    expect([...sizes].sort((a, b) => a - b)).toEqual(sizes);
    const published = readFileSync(path.join(svc.services.config.checkpointDir, CHECKPOINTS_FILE), 'utf8').split('---\n').filter(Boolean).map((n) => Number(n.split('\n')[1]));
    expect(sizes).toEqual(published);
  });
});
