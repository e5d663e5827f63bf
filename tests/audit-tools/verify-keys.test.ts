/**
 * The verifier (audit/verify.mjs, run as a process) with a key set across a key rotation, with an origin,
 * and requiring a quorum of cosignatures from real witness processes (one of which goes down).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ORIGIN,
  addCheckpoint,
  checkpointNote,
  consistencyProof,
  eventLines,
  keyId,
  leafHash,
  logFile,
  makeKey,
  mth,
  runVerifier,
  startWitness,
  tempDir,
  vkey,
  withCosignatures,
  type Witness,
} from './support.ts';

const N = 20;
const lines = eventLines(N);
const leaves = lines.map(leafHash);
const at = (i: number) => `2025-01-01T00:00:${String(i).padStart(2, '0')}.000Z`;

describe('verifier: key rotation and origin', () => {
  const tmp = tempDir();
  const oldKey = makeKey();
  const newKey = makeKey();
  const rotatedAt = '2025-01-01T00:00:10.500Z';
  // Checkpoints 1..10 signed with the old key, 11..20 with the new one.
  const notes = Array.from({ length: N }, (_, i) => checkpointNote(i < 10 ? oldKey : newKey, i + 1, mth(leaves, 0, i + 1), { timestamp: at(i + 1) }));
  const events = tmp.file('export.ndjson', lines.map((l) => l + '\n').join(''));
  const checkpoints = tmp.file('checkpoints.log', logFile(notes));
  const keySet = (keys: object[]) => tmp.file(`keys-${Math.random()}.json`, JSON.stringify({ keys }));
  const entry = (key: ReturnType<typeof makeKey>, validFrom: string, validTo?: string) => ({ keyId: keyId(ORIGIN, key.raw).toString('hex'), publicKey: key.pem, validFrom, validTo });
  const keys = keySet([entry(oldKey, '2024-12-01T00:00:00.000Z', rotatedAt), entry(newKey, rotatedAt)]);
  afterAll(() => tmp.remove());

  it('verifies checkpoints signed before and after a rotation with the key set', () => {
    const r = runVerifier(['--events', events, '--keys', keys, '--checkpoints', checkpoints]);
    expect(r.status, r.stdout).toBe(0);
    expect(r.verdict).toMatch(/^OK: 20 events in sequence; 20 signed checkpoints verified/);
  });

  it('takes a key as a C2SP verifier key or raw base64 too', () => {
    const k = keySet([
      { publicKey: vkey(ORIGIN, oldKey), validFrom: '2024-12-01T00:00:00Z', validTo: rotatedAt },
      { publicKey: newKey.raw.toString('base64'), validFrom: rotatedAt },
    ]);
    expect(runVerifier(['--events', events, '--keys', k, '--checkpoints', checkpoints]).status).toBe(0);
  });

  it('with the old key alone, names the first checkpoint signed by the new one', () => {
    const pem = tmp.file('old.pem', oldKey.pem);
    const r = runVerifier(['--events', events, '--public-key', pem, '--checkpoints', checkpoints]);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: checkpoint #11 .*not signed by the given public key/);
  });

  it('refuses a checkpoint signed by a retired key after its validity', () => {
    const late = [...notes];
    late[14] = checkpointNote(oldKey, 15, mth(leaves, 0, 15), { timestamp: at(15) });
    const r = runVerifier(['--events', events, '--keys', keys, '--checkpoints', tmp.file('late.log', logFile(late))]);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: checkpoint #15 .*signed at 2025-01-01T00:00:15.000Z by key [0-9a-f]{8}, which is valid from .* to 2025-01-01T00:00:10.500Z: a retired or not yet valid key/);
  });

  it('refuses a key set whose key id does not match its key, and a malformed key set, clearly', () => {
    const wrong = keySet([{ ...entry(oldKey, '2024-12-01T00:00:00Z'), keyId: 'deadbeef' }, entry(newKey, rotatedAt)]);
    let r = runVerifier(['--events', events, '--keys', wrong, '--checkpoints', checkpoints]);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/key set lists key deadbeef, but its public key has key ID/);
    r = runVerifier(['--events', events, '--keys', keySet([{ publicKey: 'nonsense', validFrom: rotatedAt }]), '--checkpoints', checkpoints]);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/keys\[0\]: not a public key/);
  });

  it('refuses a foreign origin by name', () => {
    const r = runVerifier(['--events', events, '--keys', keys, '--checkpoints', checkpoints, '--origin', 'elsewhere.test/audit']);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: no valid checkpoint of origin "elsewhere.test\/audit" was given: the files hold 20 checkpoints of origin "needtoknow.test\/audit"/);
    const trusted = tmp.file('trusted.note', checkpointNote(newKey, 12, mth(leaves, 0, 12), { origin: 'elsewhere.test/audit', timestamp: at(12) }));
    const t = runVerifier(['--events', events, '--keys', keys, '--checkpoints', checkpoints, '--trusted', trusted]);
    expect(t.status).toBe(1);
    expect(t.verdict).toMatch(/^FAIL: trusted checkpoint #1 .*: it is for origin "elsewhere.test\/audit", not "needtoknow.test\/audit"/);
  });

  it('reports a checkpoints.log that mixes two logs as such, and verifies the one named by --origin', () => {
    const otherKey = makeKey();
    const other = eventLines(5, 'b').map(leafHash);
    const mixed = [...notes.slice(0, 8)];
    for (let i = 0; i < 5; i++) mixed.push(checkpointNote(otherKey, i + 1, mth(other, 0, i + 1), { origin: 'embedded.test/audit' }));
    mixed.push(...notes.slice(8));
    const file = tmp.file('mixed.log', logFile(mixed));
    let r = runVerifier(['--events', events, '--keys', keys, '--checkpoints', file]);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: the checkpoint files mix logs: 20 checkpoints of origin "needtoknow.test\/audit", and 5 checkpoints of origin "embedded.test\/audit" \(first: checkpoint #9 .*\); give --origin/);
    r = runVerifier(['--events', events, '--keys', keys, '--checkpoints', file, '--origin', ORIGIN]);
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/note: set aside 5 checkpoints of origin "embedded.test\/audit"/);
    expect(r.verdict).toMatch(/^OK: 20 events in sequence; 20 signed checkpoints verified/);
  });
});

describe('verifier: witness quorum, with witness processes', () => {
  const tmp = tempDir();
  const logKey = makeKey();
  const witnesses: Witness[] = [];
  let witnessesFile = '';
  const events = tmp.file('export.ndjson', lines.map((l) => l + '\n').join(''));
  const publicKey = tmp.file('log.pem', logKey.pem);
  /** The checkpoints, cosigned by whichever witnesses answered. */
  const cosigned: string[] = [];
  let lastSize = 0;

  async function checkpoint(size: number): Promise<void> {
    const note = checkpointNote(logKey, size, mth(leaves, 0, size));
    const proof = consistencyProof(leaves.slice(0, size), lastSize, size);
    const lines: string[] = [];
    for (const w of witnesses) {
      try {
        const a = await addCheckpoint(w.url, lastSize, proof, note);
        if (a.status === 200) lines.push(a.body);
      } catch {
        // Down: no cosignature from it.
      }
    }
    cosigned.push(withCosignatures(note, lines));
    lastSize = size;
  }
  const verify = (extra: string[]) =>
    runVerifier(['--events', events, '--public-key', publicKey, '--checkpoints', tmp.file('checkpoints.log', logFile(cosigned)), '--witnesses', witnessesFile, ...extra]);

  beforeAll(async () => {
    const config = tmp.file('witness.json', JSON.stringify({ name: 'placeholder', logs: [{ origin: ORIGIN, vkey: vkey(ORIGIN, logKey) }] }));
    for (const name of ['witness-1.test', 'witness-2.test']) {
      const c = tmp.file(`${name}.json`, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), name }));
      witnesses.push(await startWitness(c, path.join(tmp.dir, name)));
    }
    witnessesFile = tmp.file('witnesses.json', JSON.stringify(witnesses.map((w) => ({ name: w.vkey.split('+')[0], url: w.url, publicKey: w.vkey }))));
    for (const size of [4, 8, 12]) await checkpoint(size);
  });
  afterAll(async () => {
    for (const w of witnesses) await w.kill();
    tmp.remove();
  });

  it('accepts checkpoints that carry the quorum', () => {
    const r = verify(['--quorum', '2']);
    expect(r.status, r.stdout).toBe(0);
    expect(r.verdict).toMatch(/3 signed checkpoints verified, all consistent with the events, each cosigned by at least 2 of the 2 configured witnesses/);
  });

  it('fails, naming the checkpoint and the missing witness, once a witness is down', async () => {
    await witnesses[1].kill();
    for (const size of [16, 20]) await checkpoint(size);
    let r = verify(['--quorum', '2']);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: checkpoint #4 .*: it carries 1 valid cosignature from the configured witnesses \(witness-1.test\), below the quorum of 2; missing: witness-2.test/);
    r = verify(['--quorum', '1']);
    expect(r.status, r.stdout).toBe(0);
    // Without --quorum, every configured witness must have cosigned.
    expect(verify([]).status).toBe(1);
  });

  it('fails when a cosignature is forged, or the quorum is above the witnesses configured', () => {
    const forged = cosigned.map((n) => n.replace(/(\u2014 witness-1\.test [A-Za-z0-9+/]{20})([A-Za-z0-9+/])/u, (_, a, c) => a + (c === 'A' ? 'B' : 'A')));
    const r = runVerifier(['--events', events, '--public-key', publicKey, '--checkpoints', tmp.file('forged.log', logFile(forged)), '--witnesses', witnessesFile, '--quorum', '1']);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: checkpoint #1 .*the cosignature by witness witness-1.test does not verify/);
    const q = verify(['--quorum', '3']);
    expect(q.status).toBe(2);
    expect(q.stdout).toMatch(/quorum must be between 1 and 2/);
  });
});
