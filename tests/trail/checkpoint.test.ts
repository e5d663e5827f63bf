/** Signed checkpoints: the C2SP note format byte for byte, key files, the Checkpointer, and one note per size. */
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { AuditLog } from '../../src/trail/log.ts';
import { AuditTree } from '../../src/trail/tree.ts';
import { Checkpointer } from '../../src/trail/checkpointer.ts';
import { DEFAULT_ORIGIN, verifyCheckpointNote } from '../../src/trail/checkpoint-note.ts';
import { PUBLIC_KEY_FILE, SIGNING_KEY_FILE, loadOrCreateSigningKey, noteKeyId, signNote, signingKeyFromPem, verifierKey, type SigningKey } from '../../src/trail/signing-key.ts';
import { CHECKPOINTS_FILE } from '../../src/trail/publish.ts';
import * as independent from '../../audit/verify.mjs';
import type { Store } from '../../src/store/store.ts';

const event = (i: number) => ({ kind: 'decision', child: '9434765919', decision: 'deny' as const, actor: { user: `user-${i}` } });

/** The key the processes of one deployment share. */
const shared = edKey();

function edKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  return signingKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }));
}

describe('C2SP signed notes', () => {
  // The example key and note of the reference implementation (golang.org/x/mod/sumdb/note tests).
  // Ed25519 is deterministic, so signing the same text must reproduce the published note exactly.
  const SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
  const VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
  const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  const NOTE = `${TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;
  // The key material may itself contain '+': take everything after the four prefix fields.
  const seed = Buffer.from(SKEY.split('+').slice(4).join('+'), 'base64').subarray(1);
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const key = signingKeyFromPem(`-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64')}\n-----END PRIVATE KEY-----\n`);

  it('computes the reference key ID and verifier key', () => {
    expect(noteKeyId('PeterNeumann', key.publicKey).toString('hex')).toBe('c74f20a3');
    expect(verifierKey('PeterNeumann', key.publicKey)).toBe(VKEY);
    const raw = Buffer.from(VKEY.split('+')[2], 'base64').subarray(1);
    expect(independent.noteKeyId('PeterNeumann', raw).toString('hex')).toBe('c74f20a3');
  });

  it('reproduces the reference signed note byte for byte', () => {
    expect(signNote(TEXT, 'PeterNeumann', key)).toBe(NOTE);
  });

  it('refuses key names with spaces or plus signs, and texts without a final newline', () => {
    expect(() => signNote(TEXT, 'a b', key)).toThrow();
    expect(() => signNote(TEXT, 'a+b', key)).toThrow();
    expect(() => signNote('no newline', 'a', key)).toThrow();
  });
});

describe('signing keys on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ntk-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the embedded default key once, private 0600, with the public key beside it', async () => {
    const a = await loadOrCreateSigningKey(dir);
    const b = await loadOrCreateSigningKey(dir);
    expect(rawOf(a)).toEqual(rawOf(b));
    expect((await stat(path.join(dir, SIGNING_KEY_FILE))).mode & 0o777).toBe(0o600);
    const pub = createPublicKey(await readFile(path.join(dir, PUBLIC_KEY_FILE)));
    expect(pub.export({ type: 'spki', format: 'der' })).toEqual(a.publicKey.export({ type: 'spki', format: 'der' }));
  });

  it('refuses a key that is not Ed25519', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => signingKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }))).toThrow(/Ed25519/);
  });

  function rawOf(k: SigningKey) {
    return k.publicKey.export({ type: 'spki', format: 'der' });
  }
});

describe.each(storeKinds)('checkpointer: $name', (kind) => {
  let store: Store;
  let log: AuditLog;
  let tree: AuditTree;
  let dir: string;

  beforeAll(async () => {
    store = await kind.open();
    tree = new AuditTree(store);
    log = new AuditLog(store, tree);
    dir = await mkdtemp(path.join(tmpdir(), 'ntk-cp-'));
  });
  afterAll(async () => {
    await log?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('signs a C2SP checkpoint of the current tree: format, key ID and signature', async () => {
    await log.append(Array.from({ length: 7 }, (_, i) => event(i)));
    const key = edKey();
    const cp = new Checkpointer(store, tree, { key, publishDir: path.join(dir, 'one') });
    const c = await cp.checkpointNow();
    const root = await tree.root(7);

    const [text, sigs] = c.note.split('\n\n');
    expect(text.split('\n')).toEqual([DEFAULT_ORIGIN, '7', root.toString('base64'), `timestamp ${c.timestamp}`]);
    expect(sigs).toMatch(new RegExp(`^\u2014 ${DEFAULT_ORIGIN.replace(/\./g, '\\.')} [A-Za-z0-9+/]+=*\n$`));
    const blob = Buffer.from(sigs.trim().split(' ').pop()!, 'base64');
    expect(blob).toHaveLength(68);
    // Key ID recomputed here from the spec: SHA-256(name || 0x0A || 0x01 || public key)[:4].
    const rawPub = key.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
    const id = createHash('sha256').update(Buffer.concat([Buffer.from(`${DEFAULT_ORIGIN}\n`), Buffer.from([1]), rawPub])).digest().subarray(0, 4);
    expect(blob.subarray(0, 4)).toEqual(id);
    expect(verify(null, Buffer.from(`${text}\n`), key.publicKey, blob.subarray(4))).toBe(true);

    expect(c).toMatchObject({ treeSize: 7, rootHash: root.toString('base64'), keyId: id.toString('hex'), signature: blob.subarray(4).toString('base64') });
    expect(await cp.latest()).toEqual(c);
    expect(verifyCheckpointNote(c.note, key.publicKey, DEFAULT_ORIGIN)).toMatchObject({ treeSize: 7, timestamp: c.timestamp });
    expect(independent.verifyCheckpointNote(c.note, independent.readPublicKey(cp.publicKey()))).toMatchObject({ treeSize: 7, origin: DEFAULT_ORIGIN });
    expect(cp.verifierKey()).toBe(`${DEFAULT_ORIGIN}+${id.toString('hex')}+${Buffer.concat([Buffer.from([1]), rawPub]).toString('base64')}`);
    // No identifiers: only origin, size, root and time.
    expect(c.note).not.toMatch(/9434765919|user-/);

    const altered = c.note.replace('\n7\n', '\n8\n');
    expect(() => verifyCheckpointNote(altered, key.publicKey, DEFAULT_ORIGIN)).toThrow();
    expect(() => independent.verifyCheckpointNote(altered, independent.readPublicKey(cp.publicKey()))).toThrow(/does not verify/);
    expect(() => verifyCheckpointNote(c.note, edKey().publicKey, DEFAULT_ORIGIN)).toThrow(/not signed/);

    const published = await readFile(path.join(dir, 'one', CHECKPOINTS_FILE), 'utf8');
    expect(published).toBe(`${c.note}---\n`);
  });

  it('two checkpointers on one database sign one note per size, whoever is first', async () => {
    await log.append([event(100), event(101)]);
    // Processes on one database share one key (NTK_AUDIT_SIGNING_KEY): a note by another key is not this log's.
    const a = new Checkpointer(store, tree, { key: shared, publishDir: path.join(dir, 'a') });
    const b = new Checkpointer(store, tree, { key: shared, publishDir: path.join(dir, 'b') });
    const [ca, cb] = await Promise.all([a.checkpointNow(), b.checkpointNow()]);
    expect(ca.treeSize).toBe(9);
    expect(cb).toEqual(ca);
    const rows = await store.query<{ n: number }>('select count(*)::int8 as n from audit_checkpoints where tree_size = 9', []);
    expect(rows.rows[0].n).toBe(1);
    // Only the process whose insert won publishes the note.
    const files = await Promise.all(['a', 'b'].map((d) => readFile(path.join(dir, d, CHECKPOINTS_FILE), 'utf8').catch(() => '')));
    expect(files.filter((f) => f === `${ca.note}---\n`)).toHaveLength(1);
    expect(files.filter((f) => f === '')).toHaveLength(1);
    // Asking again at the same size returns the stored note, signs nothing new.
    expect(await b.checkpointNow()).toEqual(ca);
  });

  it('checkpoints about once an interval while events arrive, publishing each note in order', async () => {
    const publishDir = path.join(dir, 'timer');
    const errors: unknown[] = [];
    const cp = new Checkpointer(store, tree, { key: shared, publishDir, intervalMs: 30, onError: (e) => errors.push(e) });
    cp.start();
    for (let i = 0; i < 5; i++) {
      await log.append([event(200 + i)]);
      const want = await tree.size();
      for (let t = 0; t < 100 && (await cp.latest())?.treeSize !== want; t++) await new Promise((r) => setTimeout(r, 20));
      expect((await cp.latest())?.treeSize).toBe(want);
    }
    await cp.stop();
    expect(errors).toEqual([]);
    const text = await readFile(path.join(publishDir, CHECKPOINTS_FILE), 'utf8');
    const notes = text.split('---\n').filter(Boolean);
    expect(notes).toHaveLength(5);
    const pub = independent.readPublicKey(cp.publicKey());
    expect(notes.map((n) => independent.verifyCheckpointNote(n, pub).treeSize)).toEqual([10, 11, 12, 13, 14]);
  });

  it('refuses to go on when the stored checkpoint for a size disagrees with the tree', async () => {
    await log.append([event(300)]);
    const size = await tree.size();
    await store.query(`insert into audit_checkpoints (tree_size, root_hash, ts, note) values ($1, $2, now(), 'forged')`, [size, Buffer.alloc(32, 7)]);
    const cp = new Checkpointer(store, tree, { key: edKey() });
    await expect(cp.checkpointNow()).rejects.toThrow(/stored checkpoint for tree size/);
  });
});
