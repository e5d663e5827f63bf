#!/usr/bin/env node
// needtoknow independent audit verifier: checks an NDJSON export of the audit trail against signed checkpoints.
//
// Independent on purpose: plain Node ESM, built-in modules only, nothing from src/, so an auditor can read
// all of it and run it anywhere. It implements, from the standards alone:
//   - RFC 9162 Merkle tree hashing (leaf = SHA-256(0x00 || line), node = SHA-256(0x01 || left || right)),
//     inclusion and consistency proof verification (§2.1.3.2, §2.1.4.2);
//   - C2SP signed notes (c2sp.org/signed-note) with Ed25519 and C2SP checkpoints (c2sp.org/tlog-checkpoint).
//
// Usage (every flag and file format: docs/witness.md):
//   node audit/verify.mjs --events export.ndjson (--public-key audit-public-key.pem | --keys keys.json)
//        [--checkpoints checkpoints.log]... [--trusted checkpoint-note]... [--origin <origin>]
//        [--witnesses witnesses.json [--quorum N]] [--range export.range.json] [--tiles dir] [--quiet]
//
// What it checks, reading the events once with constant memory (only the Merkle frontier is kept):
//   1. line n (1-based) is the event with seq n-1: no gap, duplicate or reordering;
//   2. every checkpoint's Ed25519 signature, by the given public key or a key of the key set valid at the
//      checkpoint's timestamp; all share one origin (another origin's checkpoints are set aside with
//      --origin, a failure without it); with --witnesses, a quorum of valid witness cosignatures;
//   3. every checkpoint's root equals the root of the first <tree size> lines, i.e. the signed log is
//      exactly these bytes; two signed roots for one size, or a root that later checkpoints contradict,
//      is a fork;
//   4. each --trusted checkpoint (one you saved earlier) is consistent: its root is the root at its size;
//   5. no checkpoint covers more events than the export holds (a truncated log).
// An altered line is pinned down to the events between the last checkpoint that matches and the first that
// does not: with a checkpoint per second, to the events of one second (exactly, when that is one event).
// With --tiles (C2SP tlog-tiles proved by their own checkpoint) every altered event is named exactly.
// With --range, an export of seq start..end-1 is checked alone: the compact range at `start` stands in for
// the events before it, and the range's checkpoint (with a consistency proof) proves the result.
//
// checkpoints.log framing: notes one after another, each followed by a line containing only `---`.
// Exit status: 0 everything holds; 1 a check failed (the verdict names the first failure); 2 bad usage.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parseArgs as nodeParseArgs } from 'node:util';

// ---------------------------------------------------------------------------------------------------------
// Hashing. Inside the hot loop hashes are kept as 32-character latin1 strings: crypto.hash with a string
// output avoids allocating a Buffer per hash, which costs more than hashing a short line.

// crypto.hash (Node >= 20.12) is the one-shot digest; createHash is the fallback.
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : (alg, data, enc) => crypto.createHash(alg).update(data).digest(enc);

const EMPTY_ROOT = crypto.createHash('sha256').digest();
const nodeInput = Buffer.alloc(65);
nodeInput[0] = 0x01;
// latin1Write is Buffer's fast path for write(str, offset, length, 'latin1').
if (typeof nodeInput.latin1Write !== 'function') nodeInput.latin1Write = (str, offset, length) => nodeInput.write(str, offset, length, 'latin1');

/** SHA-256(0x01 || left || right) over latin1 hash strings. */
function combine(left, right) {
  nodeInput.latin1Write(left, 1, 32);
  nodeInput.latin1Write(right, 33, 32);
  return oneShot('sha256', nodeInput, 'latin1');
}

/** RFC 9162 leaf hash of a byte string. */
export function hashLeaf(data) {
  return crypto.createHash('sha256').update(Buffer.from([0])).update(data).digest();
}

/** RFC 9162 interior node hash. */
export function hashChildren(left, right) {
  return crypto.createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest();
}

/** The compact Merkle tree: one pending complete subtree per level, nothing else. */
export class Frontier {
  constructor() {
    this.size = 0;
    /** levels[l] is the latin1 hash of the complete subtree of 2^l leaves awaiting a sibling, or null. */
    this.levels = [];
  }

  /** Appends a leaf hash given as a latin1 string. */
  push(leaf) {
    const levels = this.levels;
    let h = leaf;
    let l = 0;
    while (l < levels.length && levels[l] !== null) {
      h = combine(levels[l], h);
      levels[l] = null;
      l++;
    }
    if (l === levels.length) levels.push(h);
    else levels[l] = h;
    this.size++;
  }

  /**
   * The frontier at tree size `size`, from its compact range: the roots of the complete subtrees that
   * cover [0, size), largest (leftmost) first, one per set bit of size (RFC 9162 hashes as Buffers).
   */
  static fromCompactRange(size, hashes) {
    const f = new Frontier();
    f.size = size;
    let i = hashes.length;
    for (let n = size; n > 0; n = Math.floor(n / 2)) f.levels.push(n % 2 === 1 ? Buffer.from(hashes[--i]).toString('latin1') : null);
    return f;
  }

  /** The root of the leaves pushed so far, as a Buffer. */
  root() {
    let r = null;
    for (const h of this.levels) if (h !== null) r = r === null ? h : combine(h, r);
    return r === null ? EMPTY_ROOT : Buffer.from(r, 'latin1');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Proof verification, RFC 9162 §2.1.3.2 and §2.1.4.2 (plain arithmetic: sizes beyond 2^32 work).

const isHash = (h) => h instanceof Uint8Array && h.length === 32;
const same = (a, b) => isHash(a) && isHash(b) && Buffer.compare(a, b) === 0;

export function verifyInclusion(leafHash, index, treeSize, proof, root) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) return false;
  if (!isHash(leafHash) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(r, root);
}

export function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second) return false;
  if (!proof.every(isHash)) return false;
  if (first === 0) return proof.length === 0;
  if (first === second) return proof.length === 0 && same(firstRoot, secondRoot);
  if (proof.length === 0) return false;
  const path = isPow2(first) ? [firstRoot, ...proof] : proof;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(fr, firstRoot) && same(sr, secondRoot);
}

function isPow2(n) {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}

// ---------------------------------------------------------------------------------------------------------
// Keys: the log's signing keys (signature type 0x01) and witness keys (cosignature/v1, type 0x04).

const ED25519_TYPE = 0x01;
const COSIGNATURE_TYPE = 0x04;

function ed25519FromRaw(raw) {
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

/** Reads an Ed25519 public key (SPKI PEM) and returns { key, raw }. */
export function readPublicKey(pem) {
  const key = crypto.createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`not an Ed25519 public key (${key.asymmetricKeyType})`);
  const der = key.export({ type: 'spki', format: 'der' });
  return { key, raw: der.subarray(der.length - 32) };
}

function typedKeyId(name, type, rawPublicKey) {
  return crypto.createHash('sha256').update(`${name}\n`).update(Buffer.from([type])).update(rawPublicKey).digest().subarray(0, 4);
}

/** C2SP key ID: SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4]. */
export function noteKeyId(name, rawPublicKey) {
  return typedKeyId(name, ED25519_TYPE, rawPublicKey);
}

/** C2SP tlog-cosignature key ID: SHA-256(name || 0x0A || 0x04 || 32-byte public key)[:4]. */
export function cosignatureKeyId(name, rawPublicKey) {
  return typedKeyId(name, COSIGNATURE_TYPE, rawPublicKey);
}

/** The C2SP verifier key `<name>+<hex key ID>+<base64(type || key)>`; type 0x01 a log key, 0x04 a witness key. */
export function verifierKey(name, rawPublicKey, type = ED25519_TYPE) {
  const material = Buffer.concat([Buffer.from([type]), rawPublicKey]).toString('base64');
  return `${name}+${typedKeyId(name, type, rawPublicKey).toString('hex')}+${material}`;
}

/**
 * An Ed25519 public key written as SPKI PEM, as a C2SP verifier key (then with its name and type), or as
 * base64 of its 32 bytes. Returns { key, raw, name?, type? }; throws saying what is wrong.
 */
export function parsePublicKey(text) {
  const s = String(text).trim();
  if (s.startsWith('-----BEGIN')) return readPublicKey(s);
  // name+id+material: names hold no '+', but the base64 material may.
  const parts = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]{44})$/.exec(s);
  if (parts) {
    const [, name, id, material] = parts;
    const bytes = Buffer.from(material, 'base64');
    const type = bytes[0];
    const raw = bytes.subarray(1);
    if (type !== ED25519_TYPE && type !== COSIGNATURE_TYPE) throw new Error(`verifier key ${name}: unsupported signature type ${type}`);
    if (typedKeyId(name, type, raw).toString('hex') !== id) throw new Error(`verifier key ${name}: key ID ${id} does not match its key`);
    return { key: ed25519FromRaw(raw), raw, name, type };
  }
  const raw = Buffer.from(s, 'base64');
  if (raw.length === 32 && raw.toString('base64') === s) return { key: ed25519FromRaw(raw), raw };
  throw new Error('not a public key: expected SPKI PEM, a C2SP verifier key or base64 of 32 bytes');
}

function parseTime(value, what) {
  if (value === undefined || value === null) return null;
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) throw new Error(`${what} ${JSON.stringify(value)} is not an ISO 8601 time`);
  return t;
}

/**
 * The log's key set, in the shape GET /v1/audit/keys serves:
 * { "keys": [{ "keyId", "publicKey", "validFrom", "validTo"? }] }. A key signs checkpoints whose timestamp
 * lies in [validFrom, validTo). Returns [{ key, raw, keyId, validFrom, validTo, label }].
 */
export function readKeySet(json) {
  const doc = typeof json === 'string' ? JSON.parse(json) : json;
  if (!doc || !Array.isArray(doc.keys) || doc.keys.length === 0) throw new Error('a key set is { "keys": [{ "keyId", "publicKey", "validFrom", "validTo"? }] } with at least one key');
  return doc.keys.map((k, i) => {
    const what = `keys[${i}]`;
    if (!k || typeof k.publicKey !== 'string') throw new Error(`${what}: publicKey is required`);
    if (k.keyId !== undefined && !/^[0-9a-f]{8}$/.test(k.keyId)) throw new Error(`${what}: keyId must be 8 hex digits, not ${JSON.stringify(k.keyId)}`);
    let pk;
    try {
      pk = parsePublicKey(k.publicKey);
    } catch (err) {
      throw new Error(`${what}: ${err.message}`, { cause: err });
    }
    const validFrom = parseTime(k.validFrom, `${what}.validFrom`);
    const validTo = parseTime(k.validTo, `${what}.validTo`);
    return { key: pk.key, raw: pk.raw, keyId: k.keyId ?? null, validFrom, validTo, label: `key ${k.keyId ?? i}` };
  });
}

/**
 * The witnesses a verifier trusts, in the shape of NTK_WITNESSES: [{ "name", "url"?, "publicKey" }] (or
 * { "witnesses": [...] }), publicKey a C2SP verifier key (type 0x04) or PEM/base64 with a name.
 * Returns [{ name, key, raw, keyId }].
 */
export function readWitnesses(json) {
  const doc = typeof json === 'string' ? JSON.parse(json) : json;
  const list = Array.isArray(doc) ? doc : doc?.witnesses;
  if (!Array.isArray(list) || list.length === 0) throw new Error('witnesses are [{ "name", "url", "publicKey" }] with at least one witness');
  const out = list.map((w, i) => {
    let pk;
    try {
      pk = parsePublicKey(w?.publicKey ?? '');
    } catch (err) {
      throw new Error(`witnesses[${i}]: ${err.message}`, { cause: err });
    }
    const name = pk.name ?? w.name;
    if (!name || typeof name !== 'string') throw new Error(`witnesses[${i}]: name is required`);
    if (w.name !== undefined && w.name !== name) throw new Error(`witnesses[${i}]: name ${JSON.stringify(w.name)} differs from its verifier key's ${JSON.stringify(name)}`);
    if (pk.type !== undefined && pk.type !== COSIGNATURE_TYPE) throw new Error(`witnesses[${i}]: ${name} is not a cosignature/v1 key (type ${pk.type}, expected 4)`);
    return { name, key: pk.key, raw: pk.raw, keyId: cosignatureKeyId(name, pk.raw) };
  });
  const names = new Set(out.map((w) => w.name));
  if (names.size !== out.length) throw new Error('witnesses: two entries share a name');
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Signed notes, checkpoints and cosignatures.

/** Splits a signed note into { text, signatures: [{ name, blob }] }; throws on a malformed note. */
export function parseSignedNote(note) {
  if (!note.endsWith('\n')) throw new Error('malformed note: it does not end with a newline');
  for (let i = 0; i < note.length; i++) {
    const c = note.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) throw new Error('malformed note: control characters');
  }
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('malformed note: no blank line before the signatures');
  const signatures = note
    .slice(split + 2, -1)
    .split('\n')
    .map((line) => {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/u.exec(line);
      if (!m) throw new Error(`malformed signature line ${JSON.stringify(line)}`);
      return { name: m[1], blob: Buffer.from(m[2], 'base64') };
    });
  return { text: note.slice(0, split + 1), signatures };
}

/** Parses a checkpoint body (the note text): { origin, treeSize, rootHash, timestamp }. */
export function parseCheckpointBody(text) {
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || lines.some((l) => l === '')) throw new Error('malformed checkpoint: needs origin, tree size and root hash lines');
  const [origin, size, root, ...extensions] = lines;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size) || !Number.isSafeInteger(Number(size))) throw new Error(`malformed tree size ${JSON.stringify(size)}`);
  const rootHash = Buffer.from(root, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== root) throw new Error('malformed root hash');
  const ts = extensions.find((l) => l.startsWith('timestamp '));
  return { origin, treeSize: Number(size), rootHash, timestamp: ts ? ts.slice(10) : null };
}

/**
 * Checks the log's signature on a parsed note with a key set (from readKeySet, or one readPublicKey key):
 * signatures by other keys are ignored, as the note spec requires; one that claims a known key and does
 * not verify is a forgery. The signing key must be valid at the checkpoint's timestamp.
 * Returns { keyName, key }; throws saying what failed.
 */
export function verifyLogSignature(parsed, body, keys, unsignedMessage = 'not signed by any key of the key set') {
  const text = Buffer.from(parsed.text, 'utf8');
  let signer = null;
  for (const s of parsed.signatures) {
    if (s.blob.length !== 68) continue;
    for (const k of keys) {
      const id = noteKeyId(s.name, k.raw);
      if (!s.blob.subarray(0, 4).equals(id)) continue;
      if (k.keyId && k.keyId !== id.toString('hex')) throw new Error(`the key set lists key ${k.keyId}, but its public key has key ID ${id.toString('hex')} under the name ${s.name}`);
      if (!crypto.verify(null, text, k.key, s.blob.subarray(4))) throw new Error(`the signature by ${s.name} does not verify: the note was altered or forged`);
      signer ??= { keyName: s.name, key: k };
    }
  }
  if (signer === null) throw new Error(unsignedMessage);
  const { validFrom, validTo, label } = signer.key;
  if (validFrom != null || validTo != null) {
    const t = body.timestamp === null ? NaN : Date.parse(body.timestamp);
    const period = `valid from ${validFrom == null ? 'the start' : new Date(validFrom).toISOString()}${validTo == null ? '' : ` to ${new Date(validTo).toISOString()}`}`;
    if (Number.isNaN(t)) throw new Error(`it has no readable timestamp line, so the validity of ${label} (${period}) cannot be checked`);
    if ((validFrom != null && t < validFrom) || (validTo != null && t >= validTo)) {
      throw new Error(`it was signed at ${body.timestamp} by ${label}, which is ${period}: a retired or not yet valid key`);
    }
  }
  return signer;
}

/**
 * Verifies a C2SP checkpoint note signed with Ed25519 by `publicKey` (from readPublicKey) under any key
 * name whose key ID matches, and returns { origin, treeSize, rootHash, timestamp, keyName }.
 * Throws an Error saying what is wrong otherwise.
 */
export function verifyCheckpointNote(note, publicKey) {
  const parsed = parseSignedNote(note);
  const body = parseCheckpointBody(parsed.text);
  const { keyName } = verifyLogSignature(parsed, body, [publicKey], 'not signed by the given public key');
  return { ...body, keyName };
}

/** The message a cosignature/v1 signs: `cosignature/v1\ntime <seconds>\n` then the checkpoint body. */
export function cosignedMessage(text, time) {
  return Buffer.from(`cosignature/v1\ntime ${time}\n${text}`, 'utf8');
}

/**
 * The cosignatures on a parsed note by the given witnesses (from readWitnesses): signature lines whose
 * name and key ID are a witness's, each blob keyID(4) || timestamp(8, big-endian seconds) || signature(64).
 * Returns { valid: [names], invalid: [names] }.
 */
export function checkCosignatures(parsed, witnesses) {
  const valid = new Set();
  const invalid = new Set();
  for (const s of parsed.signatures) {
    const w = witnesses.find((x) => x.name === s.name && s.blob.subarray(0, 4).equals(x.keyId));
    if (!w) continue;
    const ok = s.blob.length === 76 && crypto.verify(null, cosignedMessage(parsed.text, s.blob.readBigUInt64BE(4).toString()), w.key, s.blob.subarray(12));
    (ok ? valid : invalid).add(w.name);
  }
  for (const name of valid) invalid.delete(name);
  return { valid: [...valid], invalid: [...invalid] };
}

// ---------------------------------------------------------------------------------------------------------
// Tiles (c2sp.org/tlog-tiles): `tile/<L>/<N>[.p/<W>]`; a level-L tile holds up to 256 consecutive hashes
// of tree level 8L (level 0: the leaf hashes), a partial tile (`.p/<W>`) the first W of them.

export const TILE_WIDTH = 256;

/** The path of a tile: the index in 3-digit groups, all but the last prefixed with `x`. */
export function tilePath(level, index, width = TILE_WIDTH) {
  const groups = [];
  do {
    groups.unshift(String(index % 1000).padStart(3, '0'));
    index = Math.floor(index / 1000);
  } while (index > 0);
  return `tile/${level}/${groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/')}${width < TILE_WIDTH ? `.p/${width}` : ''}`;
}

function subtreeRoot(hashes) {
  let level = hashes;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) next.push(hashChildren(level[i], level[i + 1]));
    level = next;
  }
  return level[0];
}

/**
 * The tiles of the tree of these leaf hashes (Buffers), at its full size: every full tile and the last
 * partial tile of each level, as [{ path, level, index, width, data }].
 */
export function buildTiles(leafHashes) {
  const tiles = [];
  let hashes = leafHashes;
  for (let level = 0; hashes.length > 0; level++) {
    const above = [];
    for (let index = 0; index * TILE_WIDTH < hashes.length; index++) {
      const group = hashes.slice(index * TILE_WIDTH, (index + 1) * TILE_WIDTH);
      tiles.push({ path: tilePath(level, index, group.length), level, index, width: group.length, data: Buffer.concat(group) });
      if (group.length === TILE_WIDTH) above.push(subtreeRoot(group));
    }
    hashes = above;
  }
  return tiles;
}

/** A tile from a tile directory: its partial file, or the start of the full tile when the tree grew since. */
function readTile(dir, level, index, width) {
  const paths = [tilePath(level, index, width)];
  if (width < TILE_WIDTH) paths.push(tilePath(level, index));
  for (const p of paths) {
    let data;
    try {
      data = fs.readFileSync(`${dir}/${p}`);
    } catch (err) {
      if (err.code === 'ENOENT') continue;
      throw err;
    }
    if (data.length < width * 32 || (p === paths[0] && data.length !== width * 32)) throw new Error(`tile ${p} has ${data.length} bytes, expected ${width * 32}`);
    return data.subarray(0, width * 32);
  }
  throw new Error(`tile ${paths[0]} is missing`);
}

/**
 * Reads the level-0 tiles of a tile directory at the size of its `checkpoint` (verified by `checker`) and
 * proves them: their root must be the checkpoint's. Higher levels are rebuilt and compared. Returns
 * { size, leaves (Buffer of size * 32 bytes), cp } or null after reporting why the tiles cannot be used.
 */
function loadTiles(dir, checker, fail) {
  const where = `tiles checkpoint (${dir}/checkpoint)`;
  const tileFail = (message) => fail({ at: Infinity, kind: 'tiles', message });
  let cp;
  try {
    cp = checker.verify(fs.readFileSync(`${dir}/checkpoint`, 'utf8'));
  } catch (err) {
    tileFail(`${where}: ${err.message}`);
    return null;
  }
  const size = cp.treeSize;
  const leaves = Buffer.alloc(size * 32);
  const tree = new Frontier();
  try {
    for (let index = 0; index * TILE_WIDTH < size; index++) {
      const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH);
      const tile = readTile(dir, 0, index, width);
      tile.copy(leaves, index * TILE_WIDTH * 32);
      for (let i = 0; i < width; i++) tree.push(tile.toString('latin1', i * 32, i * 32 + 32));
    }
  } catch (err) {
    tileFail(`tiles in ${dir}: ${err.message}`);
    return null;
  }
  if (!tree.root().equals(cp.rootHash)) {
    tileFail(`the level-0 tiles in ${dir} give root ${tree.root().toString('base64')} at tree size ${size}, but ${where} signs ${cp.rootHash.toString('base64')}: the tiles were altered`);
    return null;
  }
  const list = [];
  for (let i = 0; i < size; i++) list.push(leaves.subarray(i * 32, i * 32 + 32));
  for (const t of buildTiles(list)) {
    if (t.level === 0) continue;
    try {
      if (!readTile(dir, t.level, t.index, t.width).equals(t.data)) tileFail(`tile ${t.path} in ${dir} does not hold the hashes of the level-0 tiles below it`);
    } catch (err) {
      tileFail(`tiles in ${dir}: ${err.message}`);
    }
  }
  return { size, leaves, cp, where };
}

// ---------------------------------------------------------------------------------------------------------
// Ranges: an export of events [start, end) checked alone, with a sidecar JSON (docs/witness.md):
//   { "format": "needtoknow-range/v1", "start", "end", "compactRange": [base64...],
//     "checkpoint": "<signed note, tree size >= end>", "consistency": [base64...] }
// compactRange: the roots of the complete subtrees covering [0, start), largest first; consistency: the
// RFC 9162 proof from tree size `end` to the checkpoint's size (empty when they are equal).

export const RANGE_FORMAT = 'needtoknow-range/v1';

function popcount(n) {
  let c = 0;
  for (; n > 0; n = Math.floor(n / 2)) c += n % 2;
  return c;
}

/** Parses and checks the shape of a range sidecar; throws saying what is wrong. */
export function readRange(json) {
  let r;
  try {
    r = JSON.parse(json);
  } catch {
    throw new Error('not JSON');
  }
  if (r === null || typeof r !== 'object' || r.format !== RANGE_FORMAT) throw new Error(`"format" must be "${RANGE_FORMAT}"`);
  for (const k of ['start', 'end']) if (!Number.isSafeInteger(r[k]) || r[k] < 0) throw new Error(`"${k}" must be a non-negative integer`);
  if (r.start > r.end) throw new Error(`"start" ${r.start} is after "end" ${r.end}`);
  const hashes = (name) => {
    const list = r[name] ?? [];
    if (!Array.isArray(list)) throw new Error(`"${name}" must be an array of base64 hashes`);
    return list.map((h, i) => {
      const b = Buffer.from(String(h), 'base64');
      if (b.length !== 32 || b.toString('base64') !== h) throw new Error(`"${name}"[${i}] is not a base64 SHA-256 hash`);
      return b;
    });
  };
  const compactRange = hashes('compactRange');
  if (compactRange.length !== popcount(r.start)) throw new Error(`"compactRange" must hold ${popcount(r.start)} hashes for start ${r.start} (one per set bit), not ${compactRange.length}`);
  if (typeof r.checkpoint !== 'string') throw new Error('"checkpoint" must be a signed checkpoint note');
  return { start: r.start, end: r.end, compactRange, checkpoint: r.checkpoint, consistency: hashes('consistency') };
}

// ---------------------------------------------------------------------------------------------------------
// Reading files in chunks, synchronously (no per-line promises in the hot loop).

const CHUNK = 8 << 20;

/** Yields the lines of a text file (without their newline), with 1-based line numbers. */
function* textLines(path) {
  const fd = fs.openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 16);
    let rest = '';
    let n;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) {
      const parts = (rest + buf.toString('utf8', 0, n)).split('\n');
      rest = parts.pop();
      yield* parts;
    }
    if (rest !== '') yield rest;
  } finally {
    fs.closeSync(fd);
  }
}

/** Yields the notes of a checkpoints.log: { text, number, line, terminated }. */
function* noteRecords(path) {
  let lines = [];
  let number = 0;
  let lineNo = 0;
  let startLine = 1;
  for (const line of textLines(path)) {
    lineNo++;
    if (line === '---') {
      yield { text: lines.map((l) => l + '\n').join(''), number: ++number, line: startLine, terminated: true };
      lines = [];
      startLine = lineNo + 1;
    } else {
      lines.push(line);
    }
  }
  if (lines.some((l) => l !== '')) yield { text: lines.map((l) => l + '\n').join(''), number: number + 1, line: startLine, terminated: false };
}

// ---------------------------------------------------------------------------------------------------------
// Checkpoints, merged from every file in tree-size order. Each file is expected in increasing size; a
// lookahead window tolerates small reorderings (two processes appending to one file).

const LOOKAHEAD = 4096;

/** What makes a checkpoint one to rely on: its origin, a log signature by a valid key, the witness quorum. */
class NoteChecker {
  constructor({ keys, unsignedMessage, origin, witnesses, quorum }) {
    Object.assign(this, { keys, unsignedMessage, witnesses, quorum });
    this.origin = origin ?? null;
    this.explicitOrigin = this.origin !== null;
  }

  parse(text) {
    const parsed = parseSignedNote(text);
    return { parsed, body: parseCheckpointBody(parsed.text) };
  }

  /** Log signature and witness quorum of a parsed note of the right origin; throws saying what failed. */
  prove({ parsed, body }) {
    const { keyName } = verifyLogSignature(parsed, body, this.keys, this.unsignedMessage);
    if (!this.witnesses) return { ...body, keyName };
    const { valid, invalid } = checkCosignatures(parsed, this.witnesses);
    if (invalid.length) throw new Error(`the cosignature by witness ${invalid.join(', ')} does not verify: a forged or altered cosignature`);
    if (valid.length < this.quorum) {
      const missing = this.witnesses.filter((w) => !valid.includes(w.name)).map((w) => w.name);
      throw new Error(
        `it carries ${valid.length} valid cosignature${valid.length === 1 ? '' : 's'} from the configured witnesses (${valid.join(', ') || 'none'}), ` +
          `below the quorum of ${this.quorum}; missing: ${missing.join(', ')}`,
      );
    }
    return { ...body, keyName, witnesses: valid };
  }

  /** A single note that must be of this log's origin (trusted, range and tiles checkpoints). */
  verify(text) {
    const note = this.parse(text);
    if (this.origin === null) this.origin = note.body.origin;
    if (note.body.origin !== this.origin) throw new Error(`it is for origin ${JSON.stringify(note.body.origin)}, not ${JSON.stringify(this.origin)}`);
    return this.prove(note);
  }
}

class CheckpointQueue {
  constructor(sources, checker, fail) {
    this.checker = checker;
    this.fail = fail;
    this.count = 0;
    /** Checkpoints of other origins, set aside: origin -> { count, first }. */
    this.foreign = new Map();
    // buffered[head..] are read, verified and waiting, sorted by tree size.
    this.sources = sources.map((s) => ({ ...s, it: noteRecords(s.path), buffered: [], head: 0, done: false }));
    this.fill();
  }

  fill() {
    for (const s of this.sources) {
      if (s.head > LOOKAHEAD) {
        s.buffered = s.buffered.slice(s.head);
        s.head = 0;
      }
      while (!s.done && s.buffered.length - s.head < LOOKAHEAD) {
        const r = s.it.next();
        if (r.done) {
          s.done = true;
          break;
        }
        const cp = this.check(s, r.value);
        if (!cp) continue;
        // Insertion from the end: files are in order, so this is O(1) in practice.
        let i = s.buffered.length;
        while (i > s.head && s.buffered[i - 1].treeSize > cp.treeSize) i--;
        s.buffered.splice(i, 0, cp);
      }
    }
  }

  check(source, record) {
    const where = `${source.trusted ? 'trusted checkpoint' : 'checkpoint'} #${record.number} (${source.path} line ${record.line})`;
    if (!record.terminated && !source.trusted) {
      this.fail({ at: Infinity, kind: 'checkpoint', message: `${where} is not followed by a '---' line: a torn or truncated write` });
      return null;
    }
    const checker = this.checker;
    let cp;
    try {
      const note = checker.parse(record.text);
      if (checker.origin === null) checker.origin = note.body.origin;
      if (note.body.origin !== checker.origin) {
        if (source.trusted) throw new Error(`it is for origin ${JSON.stringify(note.body.origin)}, not ${JSON.stringify(checker.origin)}`);
        // Another log's checkpoint (two deployments writing one file): set aside, reported once at the end.
        const f = this.foreign.get(note.body.origin) ?? { count: 0, first: where };
        f.count++;
        this.foreign.set(note.body.origin, f);
        return null;
      }
      cp = checker.prove(note);
    } catch (err) {
      this.fail({ at: Infinity, kind: 'checkpoint', message: `${where}: ${err.message}` });
      return null;
    }
    this.count++;
    return { ...cp, where, trusted: source.trusted };
  }

  /** The smallest tree size waiting, or Infinity. */
  peekSize() {
    let min = Infinity;
    for (const s of this.sources) if (s.head < s.buffered.length && s.buffered[s.head].treeSize < min) min = s.buffered[s.head].treeSize;
    return min;
  }

  /** Removes and returns every checkpoint of the smallest size. */
  takeSmallest() {
    const size = this.peekSize();
    const out = [];
    for (const s of this.sources) while (s.head < s.buffered.length && s.buffered[s.head].treeSize === size) out.push(s.buffered[s.head++]);
    this.fill();
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The event lines.

/** True when buf[at - text.length, at) is the ASCII `text`. */
function endsWith(buf, at, text) {
  if (at - text.length < 0) return false;
  for (let i = text.length - 1, j = at - 1; i >= 0; i--, j--) if (buf[j] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * The top-level seq of the event on buf[p, e), or -1 when the line is not an audit event.
 * Fast path: canonical (RFC 8785) event bodies sort their keys, so a v1 event ends with
 * `,"seq":<n>,"ts":"<time>","v":<n>}`. Read backwards, with no quote or backslash inside the time, that
 * tail cannot sit inside a string or a nested object of valid JSON, so its seq is the top-level one.
 * Any other line is parsed in full with JSON.parse.
 */
function seqOf(buf, p, e) {
  let q = e - 1;
  if (q > p && buf[q] === 125 /* } */) {
    let d = q;
    while (d > p && buf[d - 1] >= 48 && buf[d - 1] <= 57) d--;
    if (d < q && endsWith(buf, d, '","v":')) {
      q = d - 6; // at the closing quote of the time
      let t = q;
      while (t > p && buf[t - 1] !== 34 && buf[t - 1] !== 92) t--;
      if (t > p && buf[t - 1] === 34 && endsWith(buf, t, ',"ts":"')) {
        const after = t - 7; // just past the seq digits
        let s = after;
        while (s > p && buf[s - 1] >= 48 && buf[s - 1] <= 57) s--;
        const len = after - s;
        if (len > 0 && len <= 15 && !(len > 1 && buf[s] === 48) && endsWith(buf, s, ',"seq":') && buf[p] === 123) {
          let n = 0;
          for (let i = s; i < after; i++) n = n * 10 + (buf[i] - 48);
          return n;
        }
      }
    }
  }
  try {
    const event = JSON.parse(buf.toString('utf8', p, e));
    return event !== null && typeof event === 'object' && !Array.isArray(event) && Number.isSafeInteger(event.seq) && event.seq >= 0 ? event.seq : -1;
  } catch {
    return -1;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The verification.

/**
 * Verifies an export. Options: { events, publicKey? (PEM path), keys? (key set path), checkpoints: [paths],
 * trusted: [paths], origin?, witnesses? (path), quorum?, range? (sidecar path), tiles? (dir), print? }.
 * Returns { ok, failures: [{ kind, message, seq?, line? }], notes, verdict, events, bytes, seconds, checkpoints, root }.
 */
export function verifyLog(options) {
  const print = options.print ?? (() => {});
  const started = process.hrtime.bigint();
  const failures = [];
  const notes = [];
  const fail = (f) => {
    failures.push(f);
    if (failures.length <= 20) print(`FAIL  ${f.message}`);
  };
  const keys = [];
  if (options.publicKey) keys.push({ ...readPublicKey(fs.readFileSync(options.publicKey)), label: 'the given public key' });
  if (options.keys) keys.push(...readKeySet(fs.readFileSync(options.keys, 'utf8')));
  if (!keys.length) throw new Error('no log key: give --public-key or --keys');
  const witnesses = options.witnesses ? readWitnesses(fs.readFileSync(options.witnesses, 'utf8')) : null;
  const quorum = witnesses ? (options.quorum ?? witnesses.length) : 0;
  if (witnesses && (!Number.isSafeInteger(quorum) || quorum < 1 || quorum > witnesses.length)) {
    throw new Error(`the quorum must be between 1 and ${witnesses.length}, the number of configured witnesses`);
  }
  if (!witnesses && options.quorum !== undefined) throw new Error('a quorum needs --witnesses');
  const checker = new NoteChecker({
    keys,
    unsignedMessage: options.keys ? 'not signed by any key of the key set' : 'not signed by the given public key',
    origin: options.origin,
    witnesses,
    quorum,
  });

  // A range export starts from the compact range at its first seq, and is proved by its own checkpoint.
  let range = null;
  let rangeCp = null;
  if (options.range) {
    try {
      range = readRange(fs.readFileSync(options.range, 'utf8'));
    } catch (err) {
      fail({ at: -1, kind: 'range', message: `range file ${options.range}: ${err.message}` });
    }
    if (range) {
      try {
        rangeCp = { ...checker.verify(range.checkpoint), where: `the range checkpoint (${options.range})` };
        if (rangeCp.treeSize < range.end) throw new Error(`its tree size ${rangeCp.treeSize} ends before the range (end ${range.end}), so it cannot prove it`);
      } catch (err) {
        fail({ at: -1, kind: 'range', message: `the range checkpoint (${options.range}): ${err.message}` });
        rangeCp = null;
      }
    }
  }
  const base = range ? range.start : 0;
  const lineOf = (seq) => seq - base + 1;
  const tiles = options.tiles ? loadTiles(options.tiles, checker, fail) : null;

  const sources = [
    ...(options.checkpoints ?? []).map((path) => ({ path, trusted: false })),
    ...(options.trusted ?? []).map((path) => ({ path, trusted: true })),
  ];
  const queue = new CheckpointQueue(sources, checker, fail);

  const tree = range ? Frontier.fromCompactRange(range.start, range.compactRange) : new Frontier();
  let lastMatch = null; // the latest checkpoint the events match
  let mismatch = null; // the first checkpoint whose root the events do not give, not yet explained
  let outside = 0; // checkpoints before or after a range: not checked against it
  const namedByTiles = []; // seqs the tiles prove altered

  const forkFound = (cp, confirmedBy, others = 0) =>
    fail({
      at: cp.treeSize,
      kind: 'fork',
      message:
        `${cp.where} is a fork: it signs root ${cp.rootHash.toString('base64')} for tree size ${cp.treeSize}, which these events do not have, ` +
        `yet ${confirmedBy.where} (tree size ${confirmedBy.treeSize}) matches them` +
        (others ? `; ${others} more checkpoints before it disagree too` : ''),
    });

  /** Checks every checkpoint of the current size against the root of the lines read so far. */
  const checkpointsAt = () => {
    const root = tree.root();
    const here = queue.takeSmallest();
    const matched = here.find((cp) => cp.rootHash.equals(root));
    for (const cp of here) {
      if (cp === matched || cp.rootHash.equals(root)) {
        // A later checkpoint that matches proves the earlier events are as signed: the one that
        // disagreed signed a different log (RFC 9162: a consistency proof between them cannot exist).
        if (mismatch) forkFound(mismatch.cp, cp, mismatch.others);
        mismatch = null;
        lastMatch = cp;
      } else if (matched) {
        forkFound(cp, matched);
      } else if (!mismatch) {
        mismatch = { cp, root, prev: lastMatch, fromSize: lastMatch ? lastMatch.treeSize : base, others: 0 };
      } else {
        mismatch.others++;
      }
    }
  };

  // Checkpoints before a range's start cannot be checked against its events.
  while (queue.peekSize() < tree.size) outside += queue.takeSmallest().length;
  while (queue.peekSize() === tree.size) checkpointsAt();

  // Events: chunked reads into one buffer; byte 0 and each consumed newline are overwritten with the
  // 0x00 leaf prefix, so every leaf is hashed in place without copying the line.
  let buf = Buffer.allocUnsafe(CHUNK + 1);
  let start = 1;
  let end = 1;
  let line = 0;
  let bytes = 0;
  let stoppedAt = null;
  let nextCheckpoint = queue.peekSize();
  const fd = fs.openSync(options.events, 'r');
  try {
    let eof = false;
    outer: while (!eof) {
      if (start > 1) {
        buf.copy(buf, 1, start, end);
        end -= start - 1;
        start = 1;
      }
      if (end === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, end);
        buf = bigger;
      }
      const n = fs.readSync(fd, buf, end, buf.length - end, null);
      if (n === 0) eof = true;
      end += n;
      bytes += n;
      let p = start;
      for (;;) {
        let e = buf.indexOf(10, p);
        if (e < 0 || e >= end) {
          if (!eof || p >= end) break;
          e = end; // a last line without its newline
        }
        line++;
        const seq = e > p ? seqOf(buf, p, e) : -1;
        if (seq !== tree.size) {
          const expected = tree.size;
          let message;
          if (seq < 0) message = `event seq ${expected} (line ${line}): the line is not an audit event`;
          else if (seq > expected) message = `event seq ${expected} (line ${line}): expected seq ${expected} but found seq ${seq}; event ${expected} is missing or out of order`;
          else message = `event seq ${seq} (line ${line}): seq ${seq} appears again; a duplicated, inserted or reordered event`;
          fail({ at: Math.min(seq < 0 ? expected : seq, expected), kind: 'sequence', seq: seq >= 0 && seq < expected ? seq : expected, line, message });
          stoppedAt = expected;
          break outer;
        }
        buf[p - 1] = 0;
        const leaf = oneShot('sha256', new Uint8Array(buf.buffer, buf.byteOffset + p - 1, e - p + 1), 'latin1');
        if (tiles !== null && seq < tiles.size) {
          const logged = tiles.leaves.toString('latin1', seq * 32, seq * 32 + 32);
          if (logged !== leaf) {
            namedByTiles.push(seq);
            fail({
              at: seq,
              kind: 'altered',
              seq,
              line,
              message:
                `event seq ${seq} (line ${line}) was altered: its body hashes to leaf ${Buffer.from(leaf, 'latin1').toString('base64')}, but leaf ${seq} in ` +
                `${tilePath(0, Math.floor(seq / TILE_WIDTH), Math.min(TILE_WIDTH, tiles.size - Math.floor(seq / TILE_WIDTH) * TILE_WIDTH))}, proved by the ${tiles.where} at tree size ${tiles.size}, is ${Buffer.from(logged, 'latin1').toString('base64')}`,
            });
          }
        }
        tree.push(leaf);
        if (tree.size === nextCheckpoint) {
          while (queue.peekSize() === tree.size) checkpointsAt();
          nextCheckpoint = queue.peekSize();
          if (nextCheckpoint < tree.size) {
            // Beyond the lookahead window: an out-of-order file we cannot check.
            for (const cp of queue.takeSmallest()) fail({ at: cp.treeSize, kind: 'checkpoint', message: `${cp.where} (tree size ${cp.treeSize}) is out of order in its file: checkpoints must be in increasing tree size` });
            nextCheckpoint = queue.peekSize();
          }
        }
        p = e + 1;
      }
      start = p;
    }
  } finally {
    fs.closeSync(fd);
  }

  // Checkpoints beyond the end of the events: a truncated log, unless the export is a range.
  let beyond = null;
  while (queue.peekSize() !== Infinity) {
    for (const cp of queue.takeSmallest()) {
      if (range) outside++;
      else if (!beyond) beyond = cp;
    }
  }
  if (beyond && stoppedAt === null) {
    fail({
      at: tree.size,
      kind: 'truncated',
      seq: tree.size,
      line: lineOf(tree.size),
      message: `event seq ${tree.size} (line ${lineOf(tree.size)}) is missing: ${beyond.where} covers ${beyond.treeSize} events but the export ends after ${tree.size}; the log was truncated or the export is incomplete`,
    });
  }

  // The range's checkpoint: the root of compact range + events at `end`, extended by the consistency proof.
  let rangeProved = false;
  const explained = (from, to) => namedByTiles.some((seq) => seq >= from && seq < to);
  if (range && stoppedAt === null) {
    if (tree.size < range.end) {
      fail({ at: tree.size, kind: 'truncated', seq: tree.size, line: lineOf(tree.size), message: `event seq ${tree.size} (line ${lineOf(tree.size)}) is missing: the range ends at seq ${range.end - 1} but the export ends after ${tree.size}` });
    } else if (tree.size > range.end) {
      fail({ at: range.end, kind: 'sequence', seq: range.end, line: lineOf(range.end), message: `event seq ${range.end} (line ${lineOf(range.end)}) is beyond the range, which ends at seq ${range.end - 1}` });
    } else if (rangeCp) {
      const root = tree.root();
      if (verifyConsistency(range.end, rangeCp.treeSize, root, rangeCp.rootHash, range.consistency)) {
        rangeProved = true;
        if (mismatch) forkFound(mismatch.cp, rangeCp, mismatch.others);
        mismatch = null;
      } else if (!explained(base, range.end) && !mismatch) {
        // (A pending mismatch names a narrower window, below.)
        fail({
          at: base,
          kind: 'altered',
          seq: base,
          line: 1,
          message:
            `an event of the range (seq ${base} to ${range.end - 1}, lines 1-${range.end - base}) or its compact range is not what the log signed: ` +
            `the events give root ${root.toString('base64')} at tree size ${range.end}, which the consistency proof does not link to ${rangeCp.where} (tree size ${rangeCp.treeSize}, root ${rangeCp.rootHash.toString('base64')})`,
        });
      }
    }
  }

  if (mismatch && !explained(mismatch.fromSize, mismatch.cp.treeSize)) {
    // No later checkpoint matches: the events after the last match are not what was signed.
    const { cp, fromSize } = mismatch;
    const range =
      fromSize === cp.treeSize - 1
        ? `event seq ${fromSize} (line ${lineOf(fromSize)}) was altered`
        : `an event between seq ${fromSize} and seq ${cp.treeSize - 1} (lines ${lineOf(fromSize)}-${lineOf(cp.treeSize - 1)}) was altered, inserted or removed`;
    fail({
      at: fromSize,
      kind: 'altered',
      seq: fromSize,
      line: lineOf(fromSize),
      message:
        `${range}: ${cp.where} signs root ${cp.rootHash.toString('base64')} for tree size ${cp.treeSize}, but the events give ${mismatch.root.toString('base64')}` +
        (mismatch.prev ? `; the events still match ${mismatch.prev.where} at tree size ${fromSize}` : '') +
        (mismatch.others ? `; ${mismatch.others} later checkpoints disagree too` : ''),
    });
  }

  // Checkpoints of other logs found in the files.
  const foreign = [...queue.foreign].map(([origin, f]) => `${f.count} checkpoint${f.count === 1 ? '' : 's'} of origin ${JSON.stringify(origin)} (first: ${f.first})`).join('; ');
  if (foreign && checker.explicitOrigin) {
    notes.push(`set aside ${foreign}: another log's, not checked`);
  } else if (foreign) {
    fail({
      at: Infinity,
      kind: 'origin',
      message: `the checkpoint files mix logs: ${queue.count} checkpoints of origin ${JSON.stringify(checker.origin)}, and ${foreign}; give --origin to choose the log to verify`,
    });
  }
  if (outside) notes.push(`${outside} checkpoints outside the range (seq ${base} to ${range.end - 1}) were not checked against it`);
  for (const n of notes) print(`note: ${n}`);

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  failures.sort((a, b) => a.at - b.at);
  const relied = queue.count - outside + (rangeCp ? 1 : 0);
  const ok = failures.length === 0 && relied > 0;
  const count = tree.size - base;
  let verdict;
  if (failures.length) {
    verdict = `FAIL: ${failures[0].message}`;
  } else if (relied === 0 && foreign) {
    verdict = `FAIL: no valid checkpoint of origin ${JSON.stringify(checker.origin)} was given: the files hold ${foreign}`;
  } else if (relied === 0) {
    verdict = 'FAIL: no valid checkpoint was given, so nothing proves these events';
  } else {
    const latest = rangeProved ? rangeCp : lastMatch;
    const covered = rangeProved ? range.end : lastMatch ? lastMatch.treeSize : base;
    const uncovered = tree.size - covered;
    verdict =
      `OK: ${count} events in sequence` +
      (range ? ` (seq ${base} to ${tree.size - 1}, after the compact range of the ${base} before them)` : '') +
      `; ${relied} signed checkpoints verified, all consistent with the events` +
      (witnesses ? `, each cosigned by at least ${quorum} of the ${witnesses.length} configured witnesses` : '') +
      (latest ? `; the latest (tree size ${latest.treeSize}${latest.timestamp ? `, ${latest.timestamp}` : ''}) has root ${latest.rootHash.toString('base64')}` : '') +
      (tiles ? `; every event up to tree size ${Math.min(tiles.size, tree.size)} matches its leaf in the tiles` : '') +
      (uncovered > 0 ? `; note: the last ${uncovered} events (seq ${covered}-${tree.size - 1}) are not yet covered by a checkpoint` : '');
  }
  return {
    ok,
    failures,
    notes,
    verdict,
    events: count,
    treeSize: tree.size,
    lines: line,
    bytes,
    seconds,
    checkpoints: relied,
    root: tree.root().toString('base64'),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Command line.

const USAGE = `usage: node audit/verify.mjs --events <export.ndjson> (--public-key <audit-public-key.pem> | --keys <keys.json>)
         [--checkpoints <checkpoints.log>]... [--trusted <checkpoint note>]... [--origin <origin>]
         [--witnesses <witnesses.json> [--quorum <n>]] [--range <export.range.json>] [--tiles <dir>] [--quiet]
At least one --checkpoints, --trusted or --range is required: without a signed checkpoint nothing proves the events.
Exit status: 0 verified, 1 a check failed, 2 bad usage. Flags and file formats: docs/witness.md.`;

export function parseArgs(argv) {
  // node:util's parser: strict (unknown flags and missing values are errors), repeatable flags as arrays.
  const { values } = nodeParseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: {
      events: { type: 'string' }, 'public-key': { type: 'string' }, keys: { type: 'string' },
      checkpoints: { type: 'string', multiple: true, default: [] }, trusted: { type: 'string', multiple: true, default: [] },
      origin: { type: 'string' }, witnesses: { type: 'string' }, quorum: { type: 'string' }, range: { type: 'string' },
      tiles: { type: 'string' }, quiet: { type: 'boolean', default: false },
    },
  });
  const { 'public-key': publicKey, quorum, ...rest } = values;
  const out = { ...rest, publicKey };
  if (quorum !== undefined) {
    if (!/^[1-9][0-9]{0,5}$/.test(quorum)) throw new Error(`--quorum must be a positive whole number, not ${JSON.stringify(quorum)}`);
    out.quorum = Number(quorum);
  }
  if (!out.events) throw new Error('--events is required');
  if (!out.publicKey && !out.keys) throw new Error('--public-key or --keys is required');
  if (!out.checkpoints.length && !out.trusted.length && !out.range) throw new Error('give --checkpoints and/or --trusted (or --range)');
  if (out.quorum !== undefined && !out.witnesses) throw new Error('--quorum needs --witnesses');
  for (const f of [out.events, out.publicKey, out.keys, out.witnesses, out.range, out.tiles, ...out.checkpoints, ...out.trusted]) {
    if (f !== undefined && !fs.existsSync(f)) throw new Error(`no such file: ${f}`);
  }
  return out;
}

/** Writes a line to stdout synchronously (so it is out before exit); a closed pipe is not an error. */
function writeLine(s) {
  try {
    fs.writeSync(1, s + '\n');
  } catch {
    // EPIPE: the reader went away.
  }
}

export function main(argv, write = writeLine) {
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    write(`${err.message}\n${USAGE}`);
    return 2;
  }
  let result;
  try {
    result = verifyLog({ ...args, print: args.quiet ? undefined : write });
  } catch (err) {
    write(`cannot verify: ${err.message}`);
    return 2;
  }
  if (!args.quiet) {
    const mb = result.bytes / 1e6;
    write(`read ${result.lines} lines (${mb.toFixed(1)} MB) in ${result.seconds.toFixed(2)} s (${(mb / result.seconds).toFixed(0)} MB/s); computed root ${result.root} at tree size ${result.treeSize}`);
  }
  write(result.verdict);
  return result.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.filename && fs.realpathSync(process.argv[1]) === fs.realpathSync(import.meta.filename)) {
  process.exitCode = main(process.argv.slice(2));
}
