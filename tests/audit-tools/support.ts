/**
 * Test support for the independent tools (audit/verify.mjs, audit/witness.mjs): logs built here, not by the
 * service. Notes are signed with node:crypto Ed25519 keys and the tree is hashed by a textbook RFC 9162
 * reference written here, so the tools are checked against a second implementation.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildTiles } from '../../audit/verify.mjs';

export const VERIFIER = path.resolve(import.meta.dirname, '../../audit/verify.mjs');
export const WITNESS = path.resolve(import.meta.dirname, '../../audit/witness.mjs');
export const ORIGIN = 'needtoknow.test/audit';

// ---------------------------------------------------------------------------------------------------------
// RFC 9162 reference.

export const leafHash = (line: string) => createHash('sha256').update(Buffer.from([0])).update(line).digest();
const node = (l: Buffer, r: Buffer) => createHash('sha256').update(Buffer.from([1])).update(l).update(r).digest();
const split = (n: number) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

export function mth(leaves: Buffer[], lo = 0, hi = leaves.length): Buffer {
  if (hi - lo === 0) return createHash('sha256').digest();
  if (hi - lo === 1) return leaves[lo];
  const k = split(hi - lo);
  return node(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
}

/** PROOF(m, D[0:n]), RFC 9162 §2.1.4.1. */
export function consistencyProof(leaves: Buffer[], m: number, n: number): Buffer[] {
  if (m === 0 || m === n) return [];
  const sub = (m: number, lo: number, hi: number, complete: boolean): Buffer[] => {
    if (m === hi - lo) return complete ? [] : [mth(leaves, lo, hi)];
    const k = split(hi - lo);
    return m <= k ? [...sub(m, lo, lo + k, complete), mth(leaves, lo + k, hi)] : [...sub(m - k, lo + k, hi, false), mth(leaves, lo, lo + k)];
  };
  return sub(m, 0, n, true);
}

/** The roots of the complete subtrees covering [0, size), largest first. */
export function compactRange(leaves: Buffer[], size: number): Buffer[] {
  const out: Buffer[] = [];
  let lo = 0;
  for (let bit = 2 ** 52; bit >= 1; bit /= 2) {
    if (lo + bit <= size) {
      out.push(mth(leaves, lo, lo + bit));
      lo += bit;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Events, keys, notes.

/** Canonical event lines (sorted keys, ending in seq, ts, v) like the service's. */
export function eventLines(n: number, tag = 'a'): string[] {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ actor: `user-${tag}-${i}`, decision: 'deny', kind: 'decision', seq: i, ts: `2025-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`, v: 1 }));
}

export interface Key {
  privateKey: KeyObject;
  publicKey: KeyObject;
  raw: Buffer;
  pem: string;
}

export function makeKey(): Key {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, publicKey, raw: der.subarray(der.length - 32), pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function keyId(name: string, raw: Buffer, type = 1): Buffer {
  return createHash('sha256').update(`${name}\n`).update(Buffer.from([type])).update(raw).digest().subarray(0, 4);
}

/** A log's C2SP verifier key. */
export const vkey = (name: string, key: Key) => `${name}+${keyId(name, key.raw).toString('hex')}+${Buffer.concat([Buffer.from([1]), key.raw]).toString('base64')}`;

export function checkpointNote(key: Key, size: number, root: Buffer, opts: { origin?: string; timestamp?: string } = {}): string {
  const origin = opts.origin ?? ORIGIN;
  const text = `${origin}\n${size}\n${root.toString('base64')}\ntimestamp ${opts.timestamp ?? '2025-01-01T00:00:00.000Z'}\n`;
  const sig = Buffer.concat([keyId(origin, key.raw), sign(null, Buffer.from(text), key.privateKey)]).toString('base64');
  return `${text}\n\u2014 ${origin} ${sig}\n`;
}

/** Adds cosignature lines (as a witness returns them) to a signed note. */
export const withCosignatures = (note: string, lines: string[]) => note + lines.join('');

export const logFile = (notes: string[]) => notes.map((n) => n + '---\n').join('');

// ---------------------------------------------------------------------------------------------------------
// Files and processes.

export function tempDir(): { dir: string; file(name: string, content: string | Buffer): string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ntk-audit-tools-'));
  return {
    dir,
    file(name, content) {
      const p = path.join(dir, name);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, content);
      return p;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Writes the tiles of these leaves, and their checkpoint, into a tlog-tiles directory. */
export function writeTiles(dir: string, leaves: Buffer[], note: string): void {
  for (const t of buildTiles(leaves)) {
    mkdirSync(path.dirname(path.join(dir, t.path)), { recursive: true });
    writeFileSync(path.join(dir, t.path), t.data);
  }
  writeFileSync(path.join(dir, 'checkpoint'), note);
}

export interface Run {
  status: number | null;
  stdout: string;
  verdict: string;
}

export function runVerifier(args: string[]): Run {
  const r = spawnSync(process.execPath, [VERIFIER, ...args], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  return { status: r.status, stdout: r.stdout, verdict: lines[lines.length - 1] };
}

export interface Witness {
  url: string;
  vkey: string;
  process: ChildProcess;
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `node audit/witness.mjs` on a free loopback port and waits for its "listening" line. */
export function startWitness(config: string, stateDir: string): Promise<Witness> {
  const child = spawn(process.execPath, [WITNESS, '--config', config, '--state-dir', stateDir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`witness exited (${code}): ${err}`)));
    child.stdout.on('data', (c) => {
      out += c;
      const m = /^witness (\S+) listening on (http:\/\/\S+)/m.exec(out);
      if (!m) return;
      child.removeAllListeners('exit');
      resolve({
        url: m[2],
        vkey: m[1],
        process: child,
        stderr: () => err,
        kill: (signal = 'SIGKILL') =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill(signal);
          }),
      });
    });
  });
}

export interface Answer {
  status: number;
  body: string;
  refusal: string | null;
}

export async function addCheckpoint(url: string, old: number, proof: Buffer[], note: string): Promise<Answer> {
  return post(url, `old ${old}\n${proof.map((h) => h.toString('base64') + '\n').join('')}\n${note}`);
}

export async function post(url: string, body: string | Buffer, pathname = '/add-checkpoint', method = 'POST'): Promise<Answer> {
  const r = await fetch(url + pathname, { method, body: method === 'GET' ? undefined : typeof body === 'string' ? body : new Uint8Array(body) });
  return { status: r.status, body: await r.text(), refusal: r.headers.get('witness-refusal') };
}
