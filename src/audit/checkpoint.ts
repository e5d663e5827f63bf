/**
 * Signed checkpoints of the audit tree, in the C2SP formats (c2sp.org/tlog-checkpoint, c2sp.org/signed-note)
 * with Ed25519, so any tlog tooling (and audit/verify.mjs) can check them; and the Checkpointer that
 * signs one about once a second while events arrive, stores it, and publishes it for write-once storage.
 *
 * A checkpoint note, signed by the key named after the origin:
 *
 *     needtoknow.nhs.example/audit
 *     1234
 *     <base64 root hash>
 *     timestamp 2025-01-31T12:00:00.000Z
 *
 *     — needtoknow.nhs.example/audit <base64(4-byte key ID || 64-byte Ed25519 signature)>
 *
 * The fourth line is a C2SP extension line carrying the signing time, so the time is signed too.
 * A checkpoint carries no identifiers: only the origin, a count, a hash and a time.
 *
 * Publishing: each note this process stores is appended to `<publishDir>/checkpoints.log`, followed by a
 * line containing only `---` (a terminator, so a torn last write shows as an unterminated record).
 * No line of a note can be `---`. Each process writes its own notes in increasing tree size.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Queryable } from '../store/store.ts';
import type { AuditTree } from './tree.ts';

export const DEFAULT_ORIGIN = 'needtoknow.nhs.example/audit';
export const SIGNING_KEY_FILE = 'audit-signing-key.pem';
export const PUBLIC_KEY_FILE = 'audit-public-key.pem';
export const CHECKPOINTS_FILE = 'checkpoints.log';
/** The line written after every note in checkpoints.log. */
export const NOTE_TERMINATOR = '---\n';

const ED25519_SIGNATURE_TYPE = 0x01;
const EM_DASH = '\u2014';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

// ---------------------------------------------------------------------------------------------
// Keys

/** An Ed25519 private key from PEM (PKCS#8). */
export function signingKeyFromPem(pem: string | Buffer): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`the audit signing key must be Ed25519, not ${privateKey.asymmetricKeyType}`);
  }
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** Reads the key named by NTK_AUDIT_SIGNING_KEY. */
export async function loadSigningKey(file: string): Promise<SigningKey> {
  return signingKeyFromPem(await readFile(file));
}

/**
 * The embedded default: `<dataDir>/audit-signing-key.pem` (mode 0600), created on first use, with the
 * public key beside it in `audit-public-key.pem` for verifiers.
 */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const keyFile = path.join(dataDir, SIGNING_KEY_FILE);
  let key: SigningKey;
  try {
    key = await loadSigningKey(keyFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dataDir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      // 'wx': if another process created it meanwhile, keep theirs.
      await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    key = await loadSigningKey(keyFile);
  }
  await writeFile(path.join(dataDir, PUBLIC_KEY_FILE), publicKeyPem(key.publicKey), { mode: 0o644 });
  return key;
}

export function publicKeyPem(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** The 32-byte RFC 8032 encoding of an Ed25519 public key. */
export function rawPublicKey(publicKey: KeyObject): Buffer {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return der.subarray(der.length - 32);
}

/** C2SP key ID: SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
export function noteKeyId(name: string, publicKey: KeyObject): Buffer {
  return createHash('sha256')
    .update(`${name}\n`)
    .update(Buffer.from([ED25519_SIGNATURE_TYPE]))
    .update(rawPublicKey(publicKey))
    .digest()
    .subarray(0, 4);
}

/** The C2SP verifier key string `<name>+<hex key ID>+<base64(0x01 || public key)>`. */
export function verifierKey(name: string, publicKey: KeyObject): string {
  const material = Buffer.concat([Buffer.from([ED25519_SIGNATURE_TYPE]), rawPublicKey(publicKey)]);
  return `${name}+${noteKeyId(name, publicKey).toString('hex')}+${material.toString('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// Notes

function checkKeyName(name: string): void {
  if (!name || /[\s+]/u.test(name)) throw new Error(`invalid note key name ${JSON.stringify(name)}: non-empty, no spaces, no '+'`);
}

/** Signs a note text (which must end in a newline) and returns the whole signed note. */
export function signNote(text: string, name: string, key: SigningKey): string {
  checkKeyName(name);
  if (!text.endsWith('\n')) throw new Error('note text must end with a newline');
  const signature = sign(null, Buffer.from(text, 'utf8'), key.privateKey);
  const blob = Buffer.concat([noteKeyId(name, key.publicKey), signature]).toString('base64');
  return `${text}\n${EM_DASH} ${name} ${blob}\n`;
}

export interface NoteSignature {
  name: string;
  keyId: Buffer;
  signature: Buffer;
}

/** Splits a signed note into its text and signature lines (no verification). */
export function parseNote(note: string): { text: string; signatures: NoteSignature[] } {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('malformed note: no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const signatures = note
    .slice(split + 2, -1)
    .split('\n')
    .map((line) => {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/u.exec(line);
      if (!m) throw new Error(`malformed note signature line ${JSON.stringify(line)}`);
      const blob = Buffer.from(m[2], 'base64');
      if (blob.length < 5) throw new Error('malformed note signature: too short');
      return { name: m[1], keyId: blob.subarray(0, 4), signature: blob.subarray(4) };
    });
  return { text, signatures };
}

export interface CheckpointBody {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
  /** ISO 8601 signing time, from the extension line. */
  timestamp?: string;
}

export function checkpointText(body: Required<CheckpointBody>): string {
  return `${body.origin}\n${body.treeSize}\n${body.rootHash.toString('base64')}\ntimestamp ${body.timestamp}\n`;
}

export function parseCheckpointText(text: string): CheckpointBody {
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || lines.some((l) => l === '')) throw new Error('malformed checkpoint: needs origin, size and root lines');
  const [origin, size, root, ...extensions] = lines;
  if (!/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) throw new Error(`malformed checkpoint tree size ${JSON.stringify(size)}`);
  const rootHash = Buffer.from(root, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== root) throw new Error('malformed checkpoint root hash');
  const ts = extensions.find((l) => l.startsWith('timestamp '));
  return { origin, treeSize: Number(size), rootHash, timestamp: ts?.slice('timestamp '.length) };
}

/** Parses a checkpoint note and checks it carries a valid signature by `publicKey` under `name`; throws otherwise. */
export function verifyCheckpointNote(note: string, publicKey: KeyObject, name: string): CheckpointBody {
  const { text, signatures } = parseNote(note);
  const id = noteKeyId(name, publicKey);
  const mine = signatures.filter((s) => s.name === name && s.keyId.equals(id));
  if (!mine.length) throw new Error(`checkpoint is not signed by ${name}+${id.toString('hex')}`);
  for (const s of mine) {
    if (!verify(null, Buffer.from(text, 'utf8'), publicKey, s.signature)) throw new Error('checkpoint signature does not verify');
  }
  return parseCheckpointText(text);
}

// ---------------------------------------------------------------------------------------------
// The Checkpointer

/** What /v1/audit/checkpoints/latest returns. */
export interface Checkpoint {
  treeSize: number;
  /** base64 */
  rootHash: string;
  /** ISO 8601 */
  timestamp: string;
  /** base64 of the 64-byte Ed25519 signature over the note text. */
  signature: string;
  /** hex of the 4-byte C2SP key ID. */
  keyId: string;
  /** The whole signed note. */
  note: string;
}

export interface CheckpointerOptions {
  key: SigningKey;
  /** Checkpoint origin line; default needtoknow.nhs.example/audit. */
  origin?: string;
  /** Signature key name; default the origin (as C2SP recommends). */
  keyName?: string;
  /** Directory for checkpoints.log; no publishing when absent. */
  publishDir?: string;
  /** How often to look for new events; default 1000 ms. */
  intervalMs?: number;
  /** Errors of the background timer (store down, disk full, a stored root that disagrees). */
  onError?: (err: unknown) => void;
}

interface CheckpointRow {
  tree_size: number;
  root_hash: Uint8Array;
  ts: Date | string;
  note: string;
}

export class Checkpointer {
  private readonly origin: string;
  private readonly keyName: string;
  private readonly keyId: Buffer;
  private timer?: NodeJS.Timeout;
  private chain: Promise<unknown> = Promise.resolve();
  private ticking = false;
  private lastPublished = -1;

  constructor(
    private readonly store: Queryable,
    private readonly tree: AuditTree,
    private readonly options: CheckpointerOptions,
  ) {
    this.origin = options.origin ?? DEFAULT_ORIGIN;
    this.keyName = options.keyName ?? this.origin;
    checkKeyName(this.keyName);
    if (!this.origin || this.origin.includes('\n')) throw new Error('invalid checkpoint origin');
    this.keyId = noteKeyId(this.keyName, options.key.publicKey);
  }

  /** Checks for new events every interval and checkpoints them; the timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  /** Stops the timer and waits for a checkpoint in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.chain.catch(() => {});
  }

  /**
   * Signs the tree at its current size, unless a checkpoint for that size is already stored (by this
   * or another process): then that one is returned, so each size has exactly one signed note.
   * Calls are serialised, so this process publishes its notes in increasing size.
   */
  checkpointNow(): Promise<Checkpoint> {
    const run = this.chain.catch(() => {}).then(() => this.sign());
    this.chain = run;
    return run;
  }

  /** The newest stored checkpoint, or undefined before the first. */
  async latest(): Promise<Checkpoint | undefined> {
    const r = await this.store.query<CheckpointRow>(
      'select tree_size, root_hash, ts, note from audit_checkpoints order by tree_size desc limit 1',
      [],
    );
    return r.rows[0] && this.toCheckpoint(r.rows[0]);
  }

  /** The checkpoint stored for exactly this tree size, if any. */
  async at(treeSize: number): Promise<Checkpoint | undefined> {
    const row = await this.row(treeSize);
    return row && this.toCheckpoint(row);
  }

  /** SPKI PEM of the verification key (what audit/verify.mjs --public-key takes). */
  publicKey(): string {
    return publicKeyPem(this.options.key.publicKey);
  }

  /** C2SP verifier key string, for tlog tooling. */
  verifierKey(): string {
    return verifierKey(this.keyName, this.options.key.publicKey);
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const [size, signed] = await Promise.all([
        this.tree.size(),
        this.store.query<{ size: number | null }>('select max(tree_size) as size from audit_checkpoints', []),
      ]);
      // stop() may have been called meanwhile: sign nothing more.
      if (this.timer && size > Number(signed.rows[0]?.size ?? 0)) await this.checkpointNow();
    } catch (err) {
      this.options.onError?.(err);
    } finally {
      this.ticking = false;
    }
  }

  private async sign(): Promise<Checkpoint> {
    const treeSize = await this.tree.size();
    const rootHash = await this.tree.root(treeSize);
    const timestamp = new Date().toISOString();
    const note = signNote(checkpointText({ origin: this.origin, treeSize, rootHash, timestamp }), this.keyName, this.options.key);
    const inserted = await this.store.query(
      `insert into audit_checkpoints (tree_size, root_hash, ts, note) values ($1, $2, $3, $4)
       on conflict (tree_size) do nothing`,
      [treeSize, rootHash, timestamp, note],
    );
    const row = await this.row(treeSize);
    if (!row) throw new Error(`checkpoint for tree size ${treeSize} vanished`);
    if (!rootHash.equals(Buffer.from(row.root_hash))) {
      // The tree is deterministic: a different stored root means the tree or the checkpoint table was altered.
      throw new Error(
        `stored checkpoint for tree size ${treeSize} has root ${Buffer.from(row.root_hash).toString('base64')}, but the tree's root is ${rootHash.toString('base64')}`,
      );
    }
    if (inserted.rowCount === 1) await this.publish(treeSize, row.note);
    return this.toCheckpoint(row);
  }

  private async row(treeSize: number): Promise<CheckpointRow | undefined> {
    const r = await this.store.query<CheckpointRow>(
      'select tree_size, root_hash, ts, note from audit_checkpoints where tree_size = $1',
      [treeSize],
    );
    return r.rows[0];
  }

  private async publish(treeSize: number, note: string): Promise<void> {
    const dir = this.options.publishDir;
    if (!dir || treeSize <= this.lastPublished) return;
    await mkdir(dir, { recursive: true });
    const file = await open(path.join(dir, CHECKPOINTS_FILE), 'a', 0o644);
    try {
      await file.write(note + NOTE_TERMINATOR);
      await file.datasync();
    } finally {
      await file.close();
    }
    this.lastPublished = treeSize;
  }

  private toCheckpoint(row: CheckpointRow): Checkpoint {
    const { text, signatures } = parseNote(row.note);
    const body = parseCheckpointText(text);
    const sig = signatures.find((s) => s.keyId.equals(this.keyId)) ?? signatures[0];
    return {
      treeSize: Number(row.tree_size),
      rootHash: body.rootHash.toString('base64'),
      timestamp: body.timestamp ?? new Date(row.ts).toISOString(),
      signature: sig.signature.toString('base64'),
      keyId: sig.keyId.toString('hex'),
      note: row.note,
    };
  }
}
