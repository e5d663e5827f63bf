/**
 * The witness (audit/witness.mjs) run as a real process on a free loopback port, fed checkpoints of a log
 * built here: it cosigns a log that grows consistently, and refuses forks, rollbacks and malformed input
 * with the C2SP tlog-witness status, also after being killed and restarted.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCosignatures, parseSignedNote, readWitnesses } from '../../audit/verify.mjs';
import { ORIGIN, WITNESS, addCheckpoint, checkpointNote, consistencyProof, eventLines, leafHash, makeKey, mth, post, startWitness, tempDir, vkey, type Witness } from './support.ts';

const logKey = makeKey();
const leaves = eventLines(20).map(leafHash);
// The same log with event 5 rewritten: a fork from size 6 on.
const forked = [...leaves];
forked[5] = leafHash('{"rewritten":true}');
const note = (size: number, tree = leaves) => checkpointNote(logKey, size, mth(tree, 0, size));
const proof = (from: number, to: number, tree = leaves) => consistencyProof(tree.slice(0, to), from, to);

describe('witness process', () => {
  const tmp = tempDir();
  const stateDir = path.join(tmp.dir, 'state');
  const config = tmp.file('witness.json', JSON.stringify({ name: 'witness-a.test', logs: [{ origin: ORIGIN, vkey: vkey(ORIGIN, logKey) }] }));
  let w: Witness;

  beforeAll(async () => {
    w = await startWitness(config, stateDir);
  });
  afterAll(async () => {
    await w?.kill();
    tmp.remove();
  });

  it('prints its verifier key, the same it serves with, from the key it created in its state directory', () => {
    const r = spawnSync(process.execPath, [WITNESS, '--config', config, '--state-dir', stateDir, '--print-vkey'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(w.vkey);
    expect(w.vkey).toMatch(/^witness-a\.test\+[0-9a-f]{8}\+/);
    expect(readFileSync(path.join(stateDir, 'witness-key.pem'), 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
  });

  it('cosigns a log that grows consistently, with cosignatures a verifier accepts', async () => {
    const witnesses = readWitnesses([{ name: 'witness-a.test', publicKey: w.vkey }]);
    const steps: [number, number][] = [
      [0, 3],
      [3, 8],
      [8, 8],
      [8, 13],
    ];
    for (const [old, size] of steps) {
      const a = await addCheckpoint(w.url, old, proof(old, size), note(size));
      expect(a.status, a.body).toBe(200);
      expect(a.body).toMatch(/^\u2014 witness-a\.test [A-Za-z0-9+/]+=*\n$/u);
      const cosigned = parseSignedNote(note(size) + a.body);
      expect(checkCosignatures(cosigned, witnesses)).toEqual({ valid: ['witness-a.test'], invalid: [] });
      // The cosignature is bound to this checkpoint: on another one it does not verify.
      const elsewhere = parseSignedNote(note(size === 3 ? 4 : 3) + a.body);
      expect(checkCosignatures(elsewhere, witnesses).valid).toEqual([]);
    }
    const state = JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8'));
    expect(state.logs[ORIGIN]).toMatchObject({ size: 13, root: mth(leaves, 0, 13).toString('base64') });
  });

  it('refuses a fork: another root for the size it cosigned (409), or a bigger tree that does not extend it (422)', async () => {
    let a = await addCheckpoint(w.url, 13, [], note(13, forked));
    expect(a.status).toBe(409);
    expect(a.body).toBe('13\n');
    expect(a.refusal).toMatch(/^fork refused: .* size 13 has root .*, but this witness cosigned root/);

    a = await addCheckpoint(w.url, 13, proof(13, 16, forked), note(16, forked));
    expect(a.status).toBe(422);
    expect(a.body).toMatch(/consistency proof from size 13 .* to size 16 does not verify/);
    // A genuine proof for the genuine tree, attached to the forked checkpoint, does not help either.
    a = await addCheckpoint(w.url, 13, proof(13, 16), note(16, forked));
    expect(a.status).toBe(422);
  });

  it('refuses a rollback and a stale old size with 409 and its size, an old size above the checkpoint with 400', async () => {
    let a = await addCheckpoint(w.url, 8, proof(8, 8), note(8));
    expect(a.status).toBe(409);
    expect(a.body).toBe('13\n');
    expect(a.refusal).toMatch(/^rollback refused: .* checkpoint size 8 is smaller than size 13/);

    a = await addCheckpoint(w.url, 8, proof(8, 16), note(16));
    expect(a.status).toBe(409);
    expect(a.body).toBe('13\n');
    expect(a.refusal).toMatch(/old size 8 does not match size 13/);

    a = await addCheckpoint(w.url, 17, [], note(16));
    expect(a.status).toBe(400);
    expect(a.body).toMatch(/old size 17 is above the checkpoint's size 16/);
  });

  it('refuses an unknown origin (404) and a checkpoint not signed by the log key, or altered (403)', async () => {
    let a = await addCheckpoint(w.url, 0, [], checkpointNote(logKey, 3, mth(leaves, 0, 3), { origin: 'other.test/log' }));
    expect(a.status).toBe(404);
    expect(a.body).toMatch(/not configured for origin "other.test\/log"/);

    a = await addCheckpoint(w.url, 13, proof(13, 16), checkpointNote(makeKey(), 16, mth(leaves, 0, 16)));
    expect(a.status).toBe(403);
    expect(a.body).toMatch(/not signed by a key configured for/);

    a = await addCheckpoint(w.url, 13, proof(13, 16), note(16).replace('\n16\n', '\n17\n'));
    expect(a.status).toBe(403);
    expect(a.body).toMatch(/does not verify: the note was altered or forged/);
  });

  it('rejects malformed requests with a clear 4xx and keeps serving', async () => {
    const cases: [string | Buffer, number, RegExp][] = [
      ['', 400, /expected "old <size>"/],
      [`old x\n\n${note(16)}`, 400, /first line must be "old <size>"/],
      [`old 13\nnot-a-hash\n\n${note(16)}`, 400, /proof line 1 is not a base64 SHA-256 hash/],
      [`old 13\n\nno signature\n`, 400, /malformed checkpoint/],
      [`old 13\n\n${note(16).replace('\u2014', '-')}`, 400, /malformed signature line/],
      [Buffer.concat([Buffer.from('old 13\n\n'), Buffer.from([0xff, 0xfe, 0x0a])]), 400, /not UTF-8/],
      [`old 13\n${'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'.repeat(65)}\n${note(16)}`, 400, /at most 64/],
      ['x'.repeat(70_000), 413, /above 65536 bytes/],
    ];
    for (const [body, status, message] of cases) {
      const a = await post(w.url, body);
      expect(a.status, String(body).slice(0, 30)).toBe(status);
      expect(a.body).toMatch(message);
    }
    expect((await post(w.url, '', '/add-checkpoint', 'GET')).status).toBe(405);
    expect((await post(w.url, '', '/elsewhere')).status).toBe(404);
    const a = await addCheckpoint(w.url, 13, proof(13, 16), note(16));
    expect(a.status, a.body).toBe(200);
  });

  it('after being killed and restarted, keeps its key and still refuses the fork', async () => {
    const before = w.vkey;
    await w.kill('SIGKILL');
    w = await startWitness(config, stateDir);
    expect(w.vkey).toBe(before);
    let a = await addCheckpoint(w.url, 16, [], note(16, forked));
    expect(a.status).toBe(409);
    expect(a.refusal).toMatch(/^fork refused/);
    a = await addCheckpoint(w.url, 0, [], note(3));
    expect(a.status).toBe(409);
    expect(a.body).toBe('16\n');
    a = await addCheckpoint(w.url, 16, proof(16, 20), note(20));
    expect(a.status, a.body).toBe(200);
  });
});

describe('witness start-up', () => {
  it('refuses a bad config with a clear message and exit status 2', () => {
    const tmp = tempDir();
    try {
      const cases: [string, RegExp][] = [
        ['not json', /not JSON/],
        [JSON.stringify({ name: 'w', logs: [] }), /at least one log/],
        [JSON.stringify({ name: 'has space', logs: [{ origin: 'o', vkey: 'x' }] }), /witness key name/],
        [JSON.stringify({ name: 'w', logs: [{ origin: 'o', vkey: 'o+00000000+AAAA' }] }), /logs\[0\] \(o\): not a public key/],
      ];
      for (const [text, message] of cases) {
        const r = spawnSync(process.execPath, [WITNESS, '--config', tmp.file('c.json', text), '--state-dir', path.join(tmp.dir, 's'), '--print-vkey'], { encoding: 'utf8' });
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(message);
      }
    } finally {
      tmp.remove();
    }
  });
});
