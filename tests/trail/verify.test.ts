/**
 * The independent verifier (audit/verify.mjs), run as a child process the way an auditor runs it.
 * Adversarial part: against real PostgreSQL, a superuser with the append-only triggers disabled tampers
 * with a log of 50 events (one signed checkpoint after each), and the verifier must fail and name the
 * first bad event or checkpoint. Skipped without PostgreSQL (NTK_TEST_DATABASE_URL).
 */
import { spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresSchema, postgresUrl, storeKinds } from '../support/stores.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { migrate } from '../../src/store/migrate.ts';
import { AuditLog } from '../../src/trail/log.ts';
import { AuditTree } from '../../src/trail/tree.ts';
import { Checkpointer } from '../../src/trail/checkpointer.ts';
import { DEFAULT_ORIGIN, checkpointText } from '../../src/trail/checkpoint-note.ts';
import { PUBLIC_KEY_FILE, loadOrCreateSigningKey, signNote, type SigningKey } from '../../src/trail/signing-key.ts';
import { CHECKPOINTS_FILE, NOTE_TERMINATOR } from '../../src/trail/publish.ts';
import { exportNdjson } from '../../src/ig/export.ts';
import { hashLeaf, rootOf, verifyInclusion } from '../../src/trail/merkle.ts';
import * as independent from '../../audit/verify.mjs';
import type { Store } from '../../src/store/store.ts';

const VERIFIER = path.resolve(import.meta.dirname, '../../audit/verify.mjs');
const N = 50;

const event = (i: number) => ({
  kind: 'decision',
  child: '9434765919',
  section: 'safeguarding',
  purpose: 'TREAT',
  decision: 'deny' as const,
  actor: { user: `user-${i}`, org: 'RNU', role: 'health-visitor' },
  requestId: `req-${i}`,
  // A nested "seq" key, so the verifier must find the top-level one.
  details: { reason: 'NO_LEGITIMATE_RELATIONSHIP', page: { seq: 1000 + i } },
});

interface Run {
  status: number | null;
  stdout: string;
  verdict: string;
}

function runVerifier(args: string[]): Run {
  const r = spawnSync(process.execPath, [VERIFIER, ...args], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  return { status: r.status, stdout: r.stdout, verdict: lines[lines.length - 1] };
}

interface Fixture {
  store: Store;
  dir: string;
  key: SigningKey;
  tree: AuditTree;
  log: AuditLog;
  checkpoints: string;
  publicKey: string;
  exportTo(file?: string): Promise<string>;
  verify(extra?: string[], events?: string): Promise<Run>;
  close(): Promise<void>;
}

/** A log of `n` events appended one by one through AuditLog, with the tree hook and a checkpoint after each. */
async function buildLog(store: Store, n = N, onClose: () => Promise<void> = async () => {}): Promise<Fixture> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ntk-verify-'));
  const key = await loadOrCreateSigningKey(dir);
  const tree = new AuditTree(store);
  const log = new AuditLog(store, tree);
  const cp = new Checkpointer(store, tree, { key, publishDir: dir });
  for (let i = 0; i < n; i++) {
    await log.appendOne(event(i));
    await cp.checkpointNow();
  }
  const f: Fixture = {
    store,
    dir,
    key,
    tree,
    log,
    checkpoints: path.join(dir, CHECKPOINTS_FILE),
    publicKey: path.join(dir, PUBLIC_KEY_FILE),
    async exportTo(file = path.join(dir, 'export.ndjson')) {
      const lines: string[] = [];
      for await (const line of exportNdjson(store, { chunkSize: 7 })) lines.push(line);
      await writeFile(file, lines.join(''));
      return file;
    },
    async verify(extra = ['--checkpoints', path.join(dir, CHECKPOINTS_FILE)], events?: string) {
      return runVerifier(['--events', events ?? (await f.exportTo()), '--public-key', f.publicKey, ...extra]);
    },
    async close() {
      await log.close();
      await store.close();
      await onClose();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return f;
}

/** A signed checkpoint note over an arbitrary root: what a log holding the key could produce. */
function forgeNote(key: SigningKey, treeSize: number, rootHash: Buffer): string {
  return signNote(checkpointText({ origin: DEFAULT_ORIGIN, treeSize, rootHash, timestamp: new Date().toISOString() }), DEFAULT_ORIGIN, key);
}

// -------------------------------------------------------------------------------------------------------------

describe('independent verifier: basics (PGlite)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await buildLog(await storeKinds[0].open(), 12);
  });
  afterAll(async () => {
    await f?.close();
  });

  it('imports nothing but node built-ins', async () => {
    const src = await readFile(VERIFIER, 'utf8');
    const imports = [...src.matchAll(/^\s*import\s.*?from\s+'([^']+)'/gm)].map((m) => m[1]);
    expect(imports.sort()).toEqual(['node:crypto', 'node:fs', 'node:util']);
    expect(src).not.toMatch(/import\(|require\(/);
  });

  it('verifies an untouched log, byte-identical to the stored bodies', async () => {
    const r = await f.verify();
    expect(r.status, r.stdout).toBe(0);
    expect(r.verdict).toMatch(/^OK: 12 events in sequence; 12 signed checkpoints verified/);
    const rows = await f.store.query<{ body: string }>('select body from audit_events order by seq', []);
    expect(await readFile(await f.exportTo(), 'utf8')).toBe(rows.rows.map((r) => r.body + '\n').join(''));
    expect(r.stdout).toContain(`computed root ${(await f.tree.root(12)).toString('base64')}`);
  });

  it('exports a range of seqs', async () => {
    const lines: string[] = [];
    for await (const l of exportNdjson(f.store, { fromSeq: 3, toSeq: 6 })) lines.push(l);
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual([3, 4, 5]);
  });

  it('accepts a trusted earlier checkpoint that the log extends', async () => {
    const trusted = path.join(f.dir, 'trusted.note');
    const row = await f.store.query<{ note: string }>('select note from audit_checkpoints where tree_size = 5', []);
    await writeFile(trusted, row.rows[0].note);
    const r = await f.verify(['--trusted', trusted]);
    expect(r.status, r.stdout).toBe(0);
  });

  it('takes checkpoints from several files, and small reorderings within one (two processes, one file)', async () => {
    const notes = (await readFile(f.checkpoints, 'utf8')).split(NOTE_TERMINATOR).filter(Boolean);
    const odd = path.join(f.dir, 'odd.log');
    const even = path.join(f.dir, 'even.log');
    await writeFile(odd, notes.filter((_, i) => i % 2 === 0).map((n) => n + NOTE_TERMINATOR).join(''));
    await writeFile(even, notes.filter((_, i) => i % 2 === 1).map((n) => n + NOTE_TERMINATOR).join(''));
    let r = await f.verify(['--checkpoints', odd, '--checkpoints', even]);
    expect(r.status, r.stdout).toBe(0);
    expect(r.verdict).toMatch(/12 signed checkpoints verified/);
    const shuffled = path.join(f.dir, 'shuffled.log');
    await writeFile(shuffled, [notes[1], notes[0], notes[2], notes[5], notes[3], notes[4], ...notes.slice(6)].map((n) => n + NOTE_TERMINATOR).join(''));
    r = await f.verify(['--checkpoints', shuffled]);
    expect(r.status, r.stdout).toBe(0);
  });

  it('names a line that is not an event', async () => {
    const file = await f.exportTo(path.join(f.dir, 'garbage.ndjson'));
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[4] = 'not json';
    await writeFile(file, lines.join('\n'));
    const r = await f.verify(undefined, file);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: event seq 4 \(line 5\): the line is not an audit event/);
  });

  it('rejects a checkpoint whose text was edited, one signed by another key, and a torn record', async () => {
    const good = await readFile(f.checkpoints, 'utf8');
    const notes = good.split(NOTE_TERMINATOR).filter(Boolean);
    const edited = path.join(f.dir, 'edited.log');
    await writeFile(edited, notes.slice(0, 3).join(NOTE_TERMINATOR) + NOTE_TERMINATOR + notes[3].replace(/^(.*\n)4\n/, '$13\n') + NOTE_TERMINATOR);
    let r = await f.verify(['--checkpoints', edited]);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/checkpoint #4 .*does not verify/);

    const other = await loadOrCreateSigningKey(path.join(f.dir, 'other-key'));
    const foreign = path.join(f.dir, 'foreign.log');
    await writeFile(foreign, forgeNote(other, 12, await f.tree.root(12)) + NOTE_TERMINATOR);
    r = await f.verify(['--checkpoints', foreign]);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/checkpoint #1 .*not signed by the given public key/);

    const torn = path.join(f.dir, 'torn.log');
    await writeFile(torn, good + notes[0].slice(0, 40));
    r = await f.verify(['--checkpoints', torn]);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/checkpoint #13 .*not followed by a '---' line/);
  });

  it('exits 2 on bad usage', () => {
    expect(runVerifier([]).status).toBe(2);
    expect(runVerifier(['--events', 'x.ndjson']).status).toBe(2);
    const none = runVerifier(['--events', f.checkpoints, '--public-key', f.publicKey]);
    expect(none.status).toBe(2);
    expect(none.stdout).toMatch(/give --checkpoints and\/or --trusted/);
    expect(runVerifier(['--events', '/nonexistent', '--public-key', f.publicKey, '--checkpoints', f.checkpoints]).status).toBe(2);
    expect(runVerifier(['--bogus']).status).toBe(2);
  });
});

// -------------------------------------------------------------------------------------------------------------

describe.skipIf(!postgresUrl)('independent verifier: a superuser tampers with PostgreSQL', () => {
  const open: Fixture[] = [];
  let admin: pg.Client;
  let adminUrl = '';

  /** A fresh schema with 50 audited events, and a superuser session on it with triggers disabled. */
  async function fresh(): Promise<Fixture> {
    const { url, drop } = await freshPostgresSchema();
    const store = await openPostgres({ connectionString: url, max: 4 });
    await migrate(store);
    const f = await buildLog(store, N, drop);
    open.push(f);
    if (admin) await admin.end();
    admin = new pg.Client({ connectionString: url });
    adminUrl = url;
    await admin.connect();
    // Replica mode skips ordinary triggers: the append-only guards no longer fire for this session.
    await admin.query('set session_replication_role = replica');
    return f;
  }

  afterAll(async () => {
    await admin?.end();
    for (const f of open) await f.close();
  });

  it('the guards hold for the service, and fall to a superuser who disables them', async () => {
    const f = await fresh();
    await expect(f.store.query('delete from audit_events where seq = 1', [])).rejects.toThrow(/append-only/);
    // The other way in: disable the triggers on the partitioned table and its partition.
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query('alter table audit_events disable trigger all');
    await c.query('alter table audit_events_default disable trigger all');
    expect((await c.query('delete from audit_events where seq = 49')).rowCount).toBe(1);
    await c.end();
    const r = await f.verify();
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: event seq 49 \(line 50\) is missing/);
  });

  it('an untouched log verifies', async () => {
    const f = await fresh();
    const r = await f.verify();
    expect(r.status, r.stdout).toBe(0);
    expect(r.verdict).toMatch(/^OK: 50 events in sequence; 50 signed checkpoints verified/);
  });

  it('an edited field in a body: names the event', async () => {
    const f = await fresh();
    const u = await admin.query(`update audit_events set body = replace(body, '"decision":"deny"', '"decision":"permit"') where seq = 17`);
    expect(u.rowCount).toBe(1);
    const r = await f.verify();
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: event seq 17 \(line 18\) was altered/);

    // With sparser checkpoints (every 10 events) the verifier names the window it can prove.
    const notes = (await readFile(f.checkpoints, 'utf8')).split(NOTE_TERMINATOR).filter(Boolean);
    const sparse = path.join(f.dir, 'sparse.log');
    await writeFile(sparse, notes.filter((_, i) => (i + 1) % 10 === 0).map((n) => n + NOTE_TERMINATOR).join(''));
    const s = await f.verify(['--checkpoints', sparse]);
    expect(s.status).toBe(1);
    expect(s.verdict).toMatch(/^FAIL: an event between seq 10 and seq 19 \(lines 11-20\) was altered/);
  });

  it('a deleted event: names the missing seq', async () => {
    const f = await fresh();
    await admin.query('delete from audit_events where seq = 23');
    const r = await f.verify();
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: event seq 23 \(line 24\): expected seq 23 but found seq 24/);
  });

  it('an inserted event: names the duplicated seq', async () => {
    const f = await fresh();
    await admin.query(
      `insert into audit_events (seq, id, ts, kind, actor, body, leaf_hash)
       select seq, 'forged', ts, kind, 'intruder', replace(body, 'user-30', 'intruder'), leaf_hash from audit_events where seq = 30`,
    );
    const r = await f.verify();
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: event seq 30 \(line 3[12]\)/);
  });

  it('two events swapped: names the first of them', async () => {
    const f = await fresh();
    await admin.query('update audit_events set seq = case seq when 30 then 31 else 30 end where seq in (30, 31)');
    const r = await f.verify();
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: event seq 30 \(line 31\): expected seq 30 but found seq 31/);
  });

  it('the log truncated: names the first missing seq', async () => {
    const f = await fresh();
    await admin.query('delete from audit_events where seq >= 40');
    await admin.query('update audit_head set tree_size = 40');
    const r = await f.verify();
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: event seq 40 \(line 41\) is missing: checkpoint #41 .* covers 41 events but the export ends after 40/);
  });

  it('a forked checkpoint, signed by the right key over a different root: names the checkpoint', async () => {
    const f = await fresh();
    const otherRoot = rootOf([...Array.from({ length: 29 }, (_, i) => hashLeaf(Buffer.from(`${i}`))), hashLeaf(Buffer.from('the other story'))]);
    const fork = forgeNote(f.key, 30, otherRoot);
    // Beside the genuine note for size 30.
    await appendFile(f.checkpoints, fork + NOTE_TERMINATOR);
    let r = await f.verify();
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: checkpoint #51 .* is a fork: it signs root .* for tree size 30/);
    // Instead of it: later checkpoints still match the events, so it is the checkpoint that lies.
    const notes = (await readFile(f.checkpoints, 'utf8')).split(NOTE_TERMINATOR).filter(Boolean).slice(0, N);
    notes[29] = fork;
    const replaced = path.join(f.dir, 'replaced.log');
    await writeFile(replaced, notes.map((n) => n + NOTE_TERMINATOR).join(''));
    r = await f.verify(['--checkpoints', replaced]);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/^FAIL: checkpoint #30 .* is a fork: .* yet checkpoint #31 .*matches them/);
  });

  it('history rewritten by an insider holding the key: only a trusted earlier checkpoint catches it', async () => {
    const f = await fresh();
    const trusted = path.join(f.dir, 'trusted-20.note');
    await writeFile(trusted, (await admin.query(`select note from audit_checkpoints where tree_size = 20`)).rows[0].note);
    await admin.query(`update audit_events set body = replace(body, 'user-5"', 'user-99"') where seq = 5`);
    // Re-sign every checkpoint over the altered events.
    const file = await f.exportTo();
    const leaves = (await readFile(file, 'utf8')).trimEnd().split('\n').map((l) => hashLeaf(Buffer.from(l)));
    const resigned = path.join(f.dir, 'resigned.log');
    await writeFile(resigned, leaves.map((_, i) => forgeNote(f.key, i + 1, rootOf(leaves, i + 1)) + NOTE_TERMINATOR).join(''));
    expect((await f.verify(['--checkpoints', resigned], file)).status).toBe(0);
    const r = await f.verify(['--checkpoints', resigned, '--trusted', trusted], file);
    expect(r.status).toBe(1);
    expect(r.verdict).toMatch(/trusted checkpoint #1 .*tree size 20/);
  });

  it('a forged inclusion proof is rejected, and an altered event fails its genuine proof', async () => {
    const f = await fresh();
    const latest = (await new Checkpointer(f.store, f.tree, { key: f.key }).latest())!;
    const root = Buffer.from(latest.rootHash, 'base64');
    const leafOf = async (seq: number) =>
      Buffer.from((await f.store.query<{ leaf_hash: Uint8Array }>('select leaf_hash from audit_events where seq = $1', [seq])).rows[0].leaf_hash);
    const leaf = await leafOf(17);
    const proof = await f.tree.inclusionProof(17, N);
    for (const verify of [verifyInclusion, independent.verifyInclusion]) {
      expect(verify(leaf, 17, N, proof, root)).toBe(true);
      const flipped = proof.map((h) => Buffer.from(h));
      flipped[2][5] ^= 1;
      expect(verify(leaf, 17, N, flipped, root)).toBe(false);
      expect(verify(leaf, 17, N, await f.tree.inclusionProof(18, N), root)).toBe(false);
      expect(verify(leaf, 18, N, proof, root)).toBe(false);
      expect(verify(leaf, 17, N * 2, proof, root)).toBe(false);
      expect(verify(leaf, 17, N / 2, proof, root)).toBe(false);
      expect(verify(leaf, 17, N, [proof[1], proof[0], ...proof.slice(2)], root)).toBe(false);
      expect(verify(leaf, 17, N, proof.slice(0, -1), root)).toBe(false);
      expect(verify(leaf, 17, N, [...proof, root], root)).toBe(false);
      // An event forged into the log (a new body) cannot borrow a genuine event's proof.
      const forgedBody = (await readFile(await f.exportTo(), 'utf8')).split('\n')[17].replace('"deny"', '"permit"');
      expect(verify(hashLeaf(Buffer.from(forgedBody)), 17, N, proof, root)).toBe(false);
    }
  });
});
