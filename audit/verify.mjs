#!/usr/bin/env node
// needtoknow independent audit verifier: checks an NDJSON export of the audit trail against signed checkpoints.
//
// Independent on purpose: plain Node ESM, built-in modules only, nothing from src/, so an auditor can read
// all of it and run it anywhere. It implements, from the standards alone:
//   - RFC 9162 Merkle tree hashing (leaf = SHA-256(0x00 || line), node = SHA-256(0x01 || left || right)),
//     inclusion and consistency proof verification (§2.1.3.2, §2.1.4.2);
//   - C2SP signed notes (c2sp.org/signed-note) with Ed25519 and C2SP checkpoints (c2sp.org/tlog-checkpoint).
//
// Usage:
//   node audit/verify.mjs --events export.ndjson --public-key audit-public-key.pem
//        [--checkpoints checkpoints.log]... [--trusted checkpoint-note]... [--origin <origin>] [--quiet]
//
// What it checks, reading the events once with constant memory (only the Merkle frontier is kept):
//   1. line n (1-based) is the event with seq n-1: no gap, duplicate or reordering;
//   2. every checkpoint's Ed25519 signature, by the given public key, and all share one origin;
//   3. every checkpoint's root equals the root of the first <tree size> lines, i.e. the signed log is
//      exactly these bytes; two signed roots for one size, or a root that later checkpoints contradict,
//      is a fork;
//   4. each --trusted checkpoint (one you saved earlier) is consistent: its root is the root at its size;
//   5. no checkpoint covers more events than the export holds (a truncated log).
// An altered line is pinned down to the events between the last checkpoint that matches and the first that
// does not: with a checkpoint per second, to the events of one second (exactly, when that is one event).
//
// checkpoints.log framing: notes one after another, each followed by a line containing only `---`.
// Exit status: 0 everything holds; 1 a check failed (the verdict names the first failure); 2 bad usage.
import crypto from 'node:crypto';
import fs from 'node:fs';

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
// Signed notes and checkpoints.

/** Reads an Ed25519 public key (SPKI PEM) and returns { key, raw }. */
export function readPublicKey(pem) {
  const key = crypto.createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`not an Ed25519 public key (${key.asymmetricKeyType})`);
  const der = key.export({ type: 'spki', format: 'der' });
  return { key, raw: der.subarray(der.length - 32) };
}

/** C2SP key ID: SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4]. */
export function noteKeyId(name, rawPublicKey) {
  return crypto.createHash('sha256').update(`${name}\n`).update(Buffer.from([1])).update(rawPublicKey).digest().subarray(0, 4);
}

/**
 * Verifies a C2SP checkpoint note signed with Ed25519 by `publicKey` (from readPublicKey) under any key
 * name whose key ID matches, and returns { origin, treeSize, rootHash, timestamp, keyName }.
 * Throws an Error saying what is wrong otherwise.
 */
export function verifyCheckpointNote(note, publicKey) {
  if (!note.endsWith('\n')) throw new Error('malformed note: it does not end with a newline');
  for (let i = 0; i < note.length; i++) {
    const c = note.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) throw new Error('malformed note: control characters');
  }
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('malformed note: no blank line before the signatures');
  const text = note.slice(0, split + 1);
  let keyName = null;
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/u.exec(line);
    if (!m) throw new Error(`malformed signature line ${JSON.stringify(line)}`);
    const blob = Buffer.from(m[2], 'base64');
    // Signatures by other keys (witnesses, rotated keys) are ignored, as the note spec requires.
    if (blob.length !== 68 || !blob.subarray(0, 4).equals(noteKeyId(m[1], publicKey.raw))) continue;
    if (!crypto.verify(null, Buffer.from(text, 'utf8'), publicKey.key, blob.subarray(4))) {
      throw new Error(`the signature by ${m[1]} does not verify: the note was altered or forged`);
    }
    keyName = m[1];
  }
  if (keyName === null) throw new Error('not signed by the given public key');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || lines.some((l) => l === '')) throw new Error('malformed checkpoint: needs origin, tree size and root hash lines');
  const [origin, size, root, ...extensions] = lines;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size) || !Number.isSafeInteger(Number(size))) throw new Error(`malformed tree size ${JSON.stringify(size)}`);
  const rootHash = Buffer.from(root, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== root) throw new Error('malformed root hash');
  const ts = extensions.find((l) => l.startsWith('timestamp '));
  return { origin, treeSize: Number(size), rootHash, timestamp: ts ? ts.slice(10) : null, keyName };
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

class CheckpointQueue {
  constructor(sources, publicKey, origin, fail) {
    this.publicKey = publicKey;
    this.origin = origin;
    this.fail = fail;
    this.count = 0;
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
    let cp;
    try {
      cp = verifyCheckpointNote(record.text, this.publicKey);
    } catch (err) {
      this.fail({ at: Infinity, kind: 'checkpoint', message: `${where}: ${err.message}` });
      return null;
    }
    if (this.origin === null) this.origin = cp.origin;
    if (cp.origin !== this.origin) {
      this.fail({ at: cp.treeSize, kind: 'checkpoint', message: `${where} is for origin ${JSON.stringify(cp.origin)}, not ${JSON.stringify(this.origin)}` });
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
 * Verifies an export. Options: { events, publicKey (PEM), checkpoints: [paths], trusted: [paths], origin?, print? }.
 * Returns { ok, failures: [{ kind, message, seq?, line? }], verdict, events, bytes, seconds, checkpoints, root }.
 */
export function verifyLog(options) {
  const print = options.print ?? (() => {});
  const started = process.hrtime.bigint();
  const failures = [];
  const fail = (f) => {
    failures.push(f);
    if (failures.length <= 20) print(`FAIL  ${f.message}`);
  };
  const publicKey = readPublicKey(fs.readFileSync(options.publicKey));
  const sources = [
    ...(options.checkpoints ?? []).map((path) => ({ path, trusted: false })),
    ...(options.trusted ?? []).map((path) => ({ path, trusted: true })),
  ];
  const queue = new CheckpointQueue(sources, publicKey, options.origin ?? null, fail);

  const tree = new Frontier();
  let lastMatch = null; // the latest checkpoint the events match
  let mismatch = null; // the first checkpoint whose root the events do not give, not yet explained

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
        mismatch = { cp, root, prev: lastMatch, fromSize: lastMatch ? lastMatch.treeSize : 0, others: 0 };
      } else {
        mismatch.others++;
      }
    }
  };

  while (queue.peekSize() === 0) checkpointsAt();

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
        tree.push(oneShot('sha256', new Uint8Array(buf.buffer, buf.byteOffset + p - 1, e - p + 1), 'latin1'));
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

  // Checkpoints beyond the end of the events.
  let beyond = null;
  while (queue.peekSize() !== Infinity) {
    for (const cp of queue.takeSmallest()) if (!beyond) beyond = cp;
  }
  if (beyond && stoppedAt === null) {
    fail({
      at: tree.size,
      kind: 'truncated',
      seq: tree.size,
      line: tree.size + 1,
      message: `event seq ${tree.size} (line ${tree.size + 1}) is missing: ${beyond.where} covers ${beyond.treeSize} events but the export ends after ${tree.size}; the log was truncated or the export is incomplete`,
    });
  }
  if (mismatch) {
    // No later checkpoint matches: the events after the last match are not what was signed.
    const { cp, fromSize } = mismatch;
    const range =
      fromSize === cp.treeSize - 1
        ? `event seq ${fromSize} (line ${fromSize + 1}) was altered`
        : `an event between seq ${fromSize} and seq ${cp.treeSize - 1} (lines ${fromSize + 1}-${cp.treeSize}) was altered, inserted or removed`;
    fail({
      at: fromSize,
      kind: 'altered',
      seq: fromSize,
      line: fromSize + 1,
      message:
        `${range}: ${cp.where} signs root ${cp.rootHash.toString('base64')} for tree size ${cp.treeSize}, but the events give ${mismatch.root.toString('base64')}` +
        (mismatch.prev ? `; the events still match ${mismatch.prev.where} at tree size ${fromSize}` : '') +
        (mismatch.others ? `; ${mismatch.others} later checkpoints disagree too` : ''),
    });
  }

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  failures.sort((a, b) => a.at - b.at);
  const ok = failures.length === 0 && queue.count > 0;
  let verdict;
  if (failures.length) {
    verdict = `FAIL: ${failures[0].message}`;
  } else if (queue.count === 0) {
    verdict = 'FAIL: no valid checkpoint was given, so nothing proves these events';
  } else {
    const covered = lastMatch ? lastMatch.treeSize : 0;
    const uncovered = tree.size - covered;
    verdict =
      `OK: ${tree.size} events in sequence; ${queue.count} signed checkpoints verified, all consistent with the events` +
      (lastMatch ? `; the latest (tree size ${lastMatch.treeSize}${lastMatch.timestamp ? `, ${lastMatch.timestamp}` : ''}) has root ${lastMatch.rootHash.toString('base64')}` : '') +
      (uncovered > 0 ? `; note: the last ${uncovered} events (seq ${covered}-${tree.size - 1}) are not yet covered by a checkpoint` : '');
  }
  return {
    ok,
    failures,
    verdict,
    events: tree.size,
    lines: line,
    bytes,
    seconds,
    checkpoints: queue.count,
    root: tree.root().toString('base64'),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Command line.

const USAGE = `usage: node audit/verify.mjs --events <export.ndjson> --public-key <audit-public-key.pem>
         [--checkpoints <checkpoints.log>]... [--trusted <checkpoint note>]... [--origin <origin>] [--quiet]
At least one --checkpoints or --trusted is required: without a signed checkpoint nothing proves the events.
Exit status: 0 verified, 1 a check failed, 2 bad usage.`;

export function parseArgs(argv) {
  const out = { checkpoints: [], trusted: [], quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--events') out.events = value();
    else if (a === '--public-key') out.publicKey = value();
    else if (a === '--checkpoints') out.checkpoints.push(value());
    else if (a === '--trusted') out.trusted.push(value());
    else if (a === '--origin') out.origin = value();
    else if (a === '--quiet') out.quiet = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!out.events) throw new Error('--events is required');
  if (!out.publicKey) throw new Error('--public-key is required');
  if (!out.checkpoints.length && !out.trusted.length) throw new Error('give --checkpoints and/or --trusted');
  for (const f of [out.events, out.publicKey, ...out.checkpoints, ...out.trusted]) {
    if (!fs.existsSync(f)) throw new Error(`no such file: ${f}`);
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
    write(`read ${result.lines} lines (${mb.toFixed(1)} MB) in ${result.seconds.toFixed(2)} s (${(mb / result.seconds).toFixed(0)} MB/s); computed root ${result.root} at tree size ${result.events}`);
  }
  write(result.verdict);
  return result.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.filename && fs.realpathSync(process.argv[1]) === fs.realpathSync(import.meta.filename)) {
  process.exitCode = main(process.argv.slice(2));
}
