/**
 * The tree published as C2SP tlog-tiles beside checkpoints.log, as checkpoints are made: the files are
 * those the independent verifier builds from the leaves, and with them `audit/verify.mjs --tiles` names
 * exactly the event that was altered, even between two checkpoints far apart.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { AuditLog } from '../../src/trail/log.ts';
import { AuditTree } from '../../src/trail/tree.ts';
import { Checkpointer } from '../../src/trail/checkpointer.ts';
import { PUBLIC_KEY_FILE, loadOrCreateSigningKey } from '../../src/trail/signing-key.ts';
import { CHECKPOINTS_FILE } from '../../src/trail/publish.ts';
import { tilePath } from '../../src/trail/tiles.ts';
import { exportNdjson } from '../../src/ig/export.ts';
import * as independent from '../../audit/verify.mjs';
import type { Store } from '../../src/store/store.ts';

const VERIFIER = path.resolve(import.meta.dirname, '../../audit/verify.mjs');
const event = (i: number) => ({ kind: 'decision', child: '9434765919', decision: 'deny' as const, actor: { user: `user-${i}` } });

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  }
  return out.sort();
}

describe.each(storeKinds)('tlog-tiles ($name)', (kind) => {
  let store: Store;
  let dir: string;
  let exportFile: string;
  beforeAll(async () => {
    store = await kind.open();
    dir = await mkdtemp(path.join(tmpdir(), 'ntk-tiles-'));
    const key = await loadOrCreateSigningKey(dir);
    const tree = new AuditTree(store);
    const log = new AuditLog(store, tree);
    const cp = new Checkpointer(store, tree, { key, publishDir: dir, tiles: true });
    // Checkpoints at 100, 300 (a full level-0 tile), 513 and 600: far apart, as on a busy day.
    for (const upTo of [100, 300, 513, 600]) {
      const size = await tree.size();
      await log.append(Array.from({ length: upTo - size }, (_, i) => event(size + i)));
      await cp.checkpointNow();
    }
    await log.close();
    exportFile = path.join(dir, 'export.ndjson');
    const lines: string[] = [];
    for await (const l of exportNdjson(store)) lines.push(l);
    await writeFile(exportFile, lines.join(''));
  });
  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const verify = (events: string) => {
    const r = spawnSync(process.execPath, [VERIFIER, '--events', events, '--public-key', path.join(dir, PUBLIC_KEY_FILE), '--checkpoints', path.join(dir, CHECKPOINTS_FILE), '--tiles', dir], { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, verdict: r.stdout.trim().split('\n').pop() ?? '' };
  };

  it('writes the tiles the verifier builds from the leaves, and the newest note as checkpoint', async () => {
    const leaves = (await store.query<{ leaf_hash: Uint8Array }>('select leaf_hash from audit_events order by seq', [])).rows.map((r) => Buffer.from(r.leaf_hash));
    const expected = independent.buildTiles(leaves) as { path: string; data: Buffer }[];
    for (const t of expected) expect(await readFile(path.join(dir, t.path)), t.path).toEqual(t.data);
    const tiles = (await filesUnder(dir)).filter((f) => f.startsWith('tile/'));
    // Partial tiles of earlier checkpoints stay (tiles are never rewritten).
    expect(expected.map((t) => t.path)).toEqual(['tile/0/000', 'tile/0/001', 'tile/0/002.p/88', 'tile/1/000.p/2']);
    expect(tiles).toEqual([...expected.map((t) => t.path), 'tile/0/000.p/100', 'tile/0/001.p/44', 'tile/0/002.p/1', 'tile/1/000.p/1'].sort());
    const notes = (await readFile(path.join(dir, CHECKPOINTS_FILE), 'utf8')).split('---\n').filter(Boolean);
    expect(await readFile(path.join(dir, 'checkpoint'), 'utf8')).toBe(notes[notes.length - 1]);
    expect(tilePath(0, 1234067, 7)).toBe('tile/0/x001/x234/067.p/7');
  });

  it('an untouched export verifies with the tiles', () => {
    const r = verify(exportFile);
    expect(r.status, r.stdout).toBe(0);
  });

  it('an edited event between two checkpoints is named exactly', async () => {
    const lines = (await readFile(exportFile, 'utf8')).split('\n');
    lines[417] = lines[417].replace('"user-417"', '"user-999"');
    const edited = path.join(dir, 'edited.ndjson');
    await writeFile(edited, lines.join('\n'));
    const r = verify(edited);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/event seq 417 \(line 418\) was altered/);
    expect(r.stdout).not.toMatch(/event seq (?!417)\d+ .*was altered/);
  });
});
