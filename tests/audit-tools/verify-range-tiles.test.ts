/**
 * The verifier (audit/verify.mjs, run as a process) on a range export checked alone (compact range +
 * checkpoint + consistency proof), and with C2SP tlog-tiles naming the exact altered event whatever the
 * checkpoint interval. Also the tile builder against the tlog-tiles layout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RANGE_FORMAT, buildTiles, tilePath } from '../../audit/verify.mjs';
import { checkpointNote, compactRange, consistencyProof, eventLines, leafHash, logFile, makeKey, mth, runVerifier, tempDir, writeTiles } from './support.ts';

const key = makeKey();
const tmp = tempDir();
const publicKey = tmp.file('log.pem', key.pem);
afterAll(() => tmp.remove());

const ndjson = (lines: string[]) => lines.map((l) => l + '\n').join('');
const edit = (lines: string[], seq: number) => lines.map((l, i) => (i === seq ? l.replace('"deny"', '"permit"') : l));

describe('verifier: a range export checked alone', () => {
  const N = 40;
  const lines = eventLines(N);
  const leaves = lines.map(leafHash);
  const note = (size: number) => checkpointNote(key, size, mth(leaves, 0, size));
  let exports = 0;

  /** The export of [start, end) with its sidecar, proved by the checkpoint at `at`. */
  function rangeExport(start: number, end: number, at: number, body = lines) {
    const events = tmp.file(`range-${start}-${end}-${at}-${++exports}.ndjson`, ndjson(body.slice(start, end)));
    const sidecar = {
      format: RANGE_FORMAT,
      start,
      end,
      compactRange: compactRange(leaves, start).map((h) => h.toString('base64')),
      checkpoint: note(at),
      consistency: consistencyProof(leaves.slice(0, at), end, at).map((h) => h.toString('base64')),
    };
    return { events, sidecar, range: (s: object = sidecar) => tmp.file(`range-${start}-${end}-${at}-${Math.random()}.json`, JSON.stringify(s)) };
  }

  it('verifies events seq 13 to 28 alone, against a checkpoint at size 35 and a consistency proof', () => {
    const x = rangeExport(13, 29, 35);
    const r = runVerifier(['--events', x.events, '--public-key', publicKey, '--range', x.range()]);
    expect(r.status, r.stdout).toBe(0);
    expect(r.verdict).toMatch(/^OK: 16 events in sequence \(seq 13 to 28, after the compact range of the 13 before them\); 1 signed checkpoints verified.*tree size 35/);
    // A checkpoint exactly at the end needs no proof; the month's checkpoints inside the range are checked too.
    const y = rangeExport(13, 29, 29);
    const all = tmp.file('all.log', logFile(Array.from({ length: N }, (_, i) => note(i + 1))));
    const s = runVerifier(['--events', y.events, '--public-key', publicKey, '--range', y.range(), '--checkpoints', all]);
    expect(s.status, s.stdout).toBe(0);
    // The 17 of sizes 13 to 29 and the range's own; sizes 1-12 and 30-40 are outside it.
    expect(s.verdict).toMatch(/18 signed checkpoints verified/);
    expect(s.stdout).toMatch(/note: 23 checkpoints outside the range \(seq 13 to 28\) were not checked against it/);
  });

  it('detects an edited event, a changed compact range and a wrong proof', () => {
    const x = rangeExport(13, 29, 35, edit(lines, 20));
    let r = runVerifier(['--events', x.events, '--public-key', publicKey, '--range', x.range()]);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: an event of the range \(seq 13 to 28, lines 1-16\) or its compact range is not what the log signed/);

    const y = rangeExport(13, 29, 35);
    const otherRange = compactRange(eventLines(N, 'z').map(leafHash), 13).map((h) => h.toString('base64'));
    r = runVerifier(['--events', y.events, '--public-key', publicKey, '--range', y.range({ ...y.sidecar, compactRange: otherRange })]);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: an event of the range/);

    r = runVerifier(['--events', y.events, '--public-key', publicKey, '--range', y.range({ ...y.sidecar, consistency: y.sidecar.consistency.slice(1) })]);
    expect(r.status).toBe(1);

    // With the month's checkpoints as well, the edit is pinned to the window of two checkpoints.
    const all = tmp.file('all-edited.log', logFile(Array.from({ length: N }, (_, i) => note(i + 1))));
    r = runVerifier(['--events', x.events, '--public-key', publicKey, '--range', x.range(), '--checkpoints', all]);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: event seq 20 \(line 8\) was altered/);
  });

  it('names a missing event at the end, and refuses a malformed or unproving sidecar by what is wrong', () => {
    const x = rangeExport(13, 29, 35);
    const short = tmp.file('short.ndjson', ndjson(lines.slice(13, 27)));
    let r = runVerifier(['--events', short, '--public-key', publicKey, '--range', x.range()]);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: event seq 27 \(line 15\) is missing: the range ends at seq 28/);

    const bad: [object, RegExp][] = [
      [{ ...x.sidecar, format: 'other' }, /"format" must be "needtoknow-range\/v1"/],
      [{ ...x.sidecar, compactRange: x.sidecar.compactRange.slice(1) }, /"compactRange" must hold 3 hashes for start 13/],
      [{ ...x.sidecar, start: 30 }, /"start" 30 is after "end" 29/],
      [{ ...x.sidecar, checkpoint: note(20) }, /tree size 20 ends before the range \(end 29\)/],
      [{ ...x.sidecar, checkpoint: checkpointNote(makeKey(), 35, mth(leaves, 0, 35)) }, /range checkpoint .*not signed by the given public key/],
    ];
    for (const [sidecar, message] of bad) {
      r = runVerifier(['--events', x.events, '--public-key', publicKey, '--range', x.range(sidecar)]);
      expect(r.status).toBe(1);
      expect(r.verdict).toMatch(message);
    }
  });
});

describe('verifier: tiles name the exact altered event', () => {
  const N = 600; // two full level-0 tiles and a partial one; a partial level-1 tile
  const lines = eventLines(N);
  const leaves = lines.map(leafHash);
  const tiles = path.join(tmp.dir, 'tiles');
  writeTiles(tiles, leaves, checkpointNote(key, N, mth(leaves)));
  // One checkpoint every 100 events: without tiles an edit is pinned to 100 events.
  const sparse = tmp.file('sparse.log', logFile([100, 200, 300, 400, 500, 600].map((n) => checkpointNote(key, n, mth(leaves, 0, n)))));
  const edited = tmp.file('edited.ndjson', ndjson(edit(edit(lines, 417), 433)));

  it('lays tiles out as tlog-tiles does', () => {
    expect(tilePath(0, 0)).toBe('tile/0/000');
    expect(tilePath(1, 1234067, 7)).toBe('tile/1/x001/x234/067.p/7');
    expect(buildTiles(leaves).map((t) => `${t.path}:${t.data.length}`)).toEqual(['tile/0/000:8192', 'tile/0/001:8192', 'tile/0/002.p/88:2816', 'tile/1/000.p/2:64']);
    expect(readFileSync(path.join(tiles, 'tile/1/000.p/2')).subarray(0, 32)).toEqual(mth(leaves, 0, 256));
  });

  it('verifies the untouched export with the tiles', () => {
    const r = runVerifier(['--events', tmp.file('good.ndjson', ndjson(lines)), '--public-key', publicKey, '--checkpoints', sparse, '--tiles', tiles]);
    expect(r.status, r.stdout).toBe(0);
    expect(r.verdict).toMatch(/every event up to tree size 600 matches its leaf in the tiles/);
  });

  it('names each edited event, where checkpoints alone name a window', () => {
    const without = runVerifier(['--events', edited, '--public-key', publicKey, '--checkpoints', sparse]);
    expect(without.status).toBe(1);
    expect(without.verdict).toMatch(/^FAIL: an event between seq 400 and seq 499 \(lines 401-500\) was altered/);
    const r = runVerifier(['--events', edited, '--public-key', publicKey, '--checkpoints', sparse, '--tiles', tiles]);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: event seq 417 \(line 418\) was altered: its body hashes to leaf .*, but leaf 417 in tile\/0\/001, proved by the tiles checkpoint .* at tree size 600, is /);
    expect(r.stdout).toMatch(/FAIL {2}event seq 433 \(line 434\) was altered/);
    expect(r.stdout).not.toMatch(/between seq 400 and seq 499/);
  });

  it('names the edited event of a range export too', () => {
    const sidecar = tmp.file('month.range.json', JSON.stringify({ format: RANGE_FORMAT, start: 300, end: 500, compactRange: compactRange(leaves, 300).map((h) => h.toString('base64')), checkpoint: checkpointNote(key, 500, mth(leaves, 0, 500)), consistency: [] }));
    const month = tmp.file('month.ndjson', ndjson(edit(lines, 417).slice(300, 500)));
    const r = runVerifier(['--events', month, '--public-key', publicKey, '--range', sidecar, '--tiles', tiles]);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: event seq 417 \(line 118\) was altered/);
  });

  it('refuses tiles that were altered, or whose checkpoint is not the log\'s', () => {
    const bad = path.join(tmp.dir, 'bad-tiles');
    writeTiles(bad, leaves, checkpointNote(key, N, mth(leaves)));
    const file = path.join(bad, 'tile/0/001');
    const data = readFileSync(file);
    data[100] ^= 1;
    writeFileSync(file, data);
    let r = runVerifier(['--events', edited, '--public-key', publicKey, '--checkpoints', sparse, '--tiles', bad]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}the level-0 tiles in .* give root .* at tree size 600, but tiles checkpoint .* signs .*: the tiles were altered/);
    expect(r.verdict).toMatch(/^FAIL: an event between seq 400 and seq 499/);

    writeTiles(bad, leaves, checkpointNote(makeKey(), N, mth(leaves)));
    r = runVerifier(['--events', tmp.file('good2.ndjson', ndjson(lines)), '--public-key', publicKey, '--checkpoints', sparse, '--tiles', bad]);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: tiles checkpoint .*: not signed by the given public key/);
  });
});
