/**
 * Key rotation and the log's origin: a deployment signs with key A, restarts with key B, and the whole
 * history verifies with the key set GET /v1/audit/keys serves; a checkpoints.log of another deployment is
 * refused at start.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { NHS, users } from '../support/fixture.ts';
import { CHECKPOINTS_FILE } from '../../src/trail/publish.ts';
import { KEYS_FILE } from '../../src/trail/key-history.ts';
import { exportNdjson } from '../../src/ig/export.ts';
import { deployment, type Deployment, type Running } from './restart-support.ts';

const VERIFIER = path.resolve(import.meta.dirname, '../../audit/verify.mjs');
const verifier = (...args: string[]) => {
  const r = spawnSync(process.execPath, [VERIFIER, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, verdict: r.stdout.trim().split('\n').pop() ?? '' };
};
const authorise = (svc: Running) =>
  svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.token(users.hv)}`).send({ child: NHS.toddler, sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT' });

async function keyFile(dir: string, name: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return file;
}

describe.each(storeKinds)('key rotation and origin ($name)', (kind) => {
  const open: Deployment[] = [];
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
  });

  it('after a restart with a new key, the whole history verifies with the key set', async () => {
    const d = await deployment(kind);
    open.push(d);
    const a = await keyFile(d.dataDir, 'a.pem');
    const b = await keyFile(d.dataDir, 'b.pem');
    let svc = await d.start({ NTK_AUDIT_SIGNING_KEY: a });
    await svc.seed();
    expect((await authorise(svc)).status).toBe(200);
    await svc.close();
    svc = await d.start({ NTK_AUDIT_SIGNING_KEY: b });
    expect((await authorise(svc)).status).toBe(200);
    const keys = await svc.http.get('/v1/audit/keys');
    expect(keys.status).toBe(200);
    expect(keys.body.keys).toHaveLength(2);
    expect(keys.body.keys[0].validTo).toBe(keys.body.keys[1].validFrom);
    expect(keys.body.keys[1].validTo).toBeUndefined();
    expect(keys.body.origin).toMatch(/^needtoknow\.local\//);
    const store = svc.services.store;
    await svc.close();
    expect(JSON.parse(await readFile(path.join(d.checkpointDir, KEYS_FILE), 'utf8')).keys).toEqual(keys.body.keys);

    const events = path.join(d.dataDir, 'export.ndjson');
    const lines: string[] = [];
    for await (const l of exportNdjson(store)) lines.push(l);
    await writeFile(events, lines.join(''));
    const keySet = path.join(d.dataDir, 'keys.json');
    await writeFile(keySet, JSON.stringify(keys.body));
    const checkpoints = path.join(d.checkpointDir, CHECKPOINTS_FILE);
    const notes = (await readFile(checkpoints, 'utf8')).split('---\n').filter(Boolean);
    expect(new Set(notes.map((n) => n.match(/^\u2014 \S+ (\S{5})/m)?.[1])).size).toBe(2);

    const ok = verifier('--events', events, '--keys', keySet, '--checkpoints', checkpoints, '--origin', keys.body.origin);
    expect(ok.status, ok.stdout).toBe(0);
    expect(ok.verdict).toMatch(new RegExp(`^OK: ${lines.length} events in sequence; ${notes.length} signed checkpoints verified`));
    // With the new key alone the checkpoints signed before the rotation do not verify.
    const onlyNew = path.join(d.dataDir, 'only-new.json');
    await writeFile(onlyNew, JSON.stringify({ keys: keys.body.keys.slice(1) }));
    expect(verifier('--events', events, '--keys', onlyNew, '--checkpoints', checkpoints).status).toBe(1);
  });

  it('refuses a checkpoints.log of another deployment at start', async () => {
    const first = await deployment(kind);
    open.push(first);
    let svc = await first.start();
    await svc.seed();
    expect((await authorise(svc)).status).toBe(200);
    await svc.close();

    const other = await deployment(kind);
    open.push(other);
    await mkdir(other.checkpointDir, { recursive: true });
    await copyFile(path.join(first.checkpointDir, CHECKPOINTS_FILE), path.join(other.checkpointDir, CHECKPOINTS_FILE));
    svc = await other.start();
    // Nothing is appended (the registration feed gets 503) and nothing is signed.
    await expect(svc.seed()).rejects.toThrow(/: 503 /);
    await expect(svc.services.checkpointer.checkpointNow()).rejects.toThrow(/checkpoints\.log belongs to the log "needtoknow\.local\/[0-9a-f-]+", not to this one/);
    expect((await svc.http.get('/metrics')).text).toMatch(/^ntk_trail_unproven 1$/m);
    await svc.close();
    expect((await readFile(path.join(other.checkpointDir, CHECKPOINTS_FILE), 'utf8'))).toBe(await readFile(path.join(first.checkpointDir, CHECKPOINTS_FILE), 'utf8'));
  });
});
