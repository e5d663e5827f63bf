#!/usr/bin/env node
// needtoknow witness: cosigns a log's checkpoints only when they extend what it cosigned before.
//
// Independent on purpose, like verify.mjs: plain Node ESM, built-in modules and ./verify.mjs only, nothing
// from src/. It implements C2SP tlog-witness (POST /add-checkpoint) and tlog-cosignature (cosignature/v1)
// over HTTP:
//   request body:  old <size>\n<consistency proof hash, base64>\n...\n\n<signed checkpoint note>
//   200  cosignature line `— <witness name> <base64(key ID || 8-byte big-endian time || Ed25519 signature)>`
//   400  malformed request, or old size above the checkpoint size
//   403  no valid signature by a key configured for the checkpoint's origin
//   404  an origin this witness is not configured for (tlog-witness says 404 here)
//   409  `old` is not the size it last cosigned, a smaller checkpoint (rollback) or another root for the
//        size it cosigned (fork); body `<size it cosigned>\n` (text/x.tlog.size), the reason in
//        the `Witness-Refusal` header and on stderr
//   422  the consistency proof does not verify: the log forked since
// The new size and root are written (atomically, fsynced) to the state file before the answer, so after a
// crash or restart it still refuses anything inconsistent with what it cosigned. One process per state
// directory. Configuration and operation: docs/witness.md.
//
// Usage:
//   node audit/witness.mjs --config witness.json --state-dir <dir> [--listen 127.0.0.1:7380] [--key key.pem]
//   node audit/witness.mjs --config witness.json --state-dir <dir> --print-vkey
import { isUtf8 } from 'node:buffer';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parseArgs as nodeParseArgs } from 'node:util';
import http from 'node:http';
import path from 'node:path';
import { cosignatureKeyId, cosignedMessage, parseCheckpointBody, parsePublicKey, parseSignedNote, verifierKey, verifyConsistency, verifyLogSignature } from './verify.mjs';

const MAX_BODY = 64 * 1024;
const MAX_PROOF = 64;
const KEY_FILE = 'witness-key.pem';
const STATE_FILE = 'state.json';
const DEFAULT_LISTEN = '127.0.0.1:7380';

/** A refusal with its HTTP status. */
class Refusal extends Error {
  constructor(status, message, size) {
    super(message);
    this.status = status;
    this.size = size;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Configuration, key and state.

/**
 * The config: { "name": "<witness key name>", "logs": [{ "origin", "vkey" | "vkeys" | "publicKey" }] }, the
 * log keys as C2SP verifier keys (type 0x01), or PEM / base64 named after the origin. Several keys per log
 * (vkeys) let a log rotate its key. Returns { name, logs: Map origin -> [keys] }.
 */
export function readConfig(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`the config is not JSON: ${err.message}`, { cause: err });
  }
  const name = doc?.name;
  if (typeof name !== 'string' || !name || /[\s+]/u.test(name)) throw new Error('config "name": the witness key name, non-empty, no spaces, no "+"');
  if (!Array.isArray(doc.logs) || doc.logs.length === 0) throw new Error('config "logs": [{ "origin", "vkey" }] with at least one log');
  const logs = new Map();
  doc.logs.forEach((log, i) => {
    if (typeof log?.origin !== 'string' || !log.origin || log.origin.includes('\n')) throw new Error(`config logs[${i}]: "origin" is required`);
    if (logs.has(log.origin)) throw new Error(`config logs[${i}]: origin ${JSON.stringify(log.origin)} is listed twice`);
    const texts = log.vkeys ?? (log.vkey ? [log.vkey] : log.publicKey ? [log.publicKey] : []);
    if (!Array.isArray(texts) || texts.length === 0) throw new Error(`config logs[${i}]: give the log's "vkey" (or "vkeys", or "publicKey")`);
    logs.set(
      log.origin,
      texts.map((t) => {
        try {
          const k = parsePublicKey(t);
          if (k.type !== undefined && k.type !== 1) throw new Error(`key type ${k.type} is not a log signing key (1)`);
          return { key: k.key, raw: k.raw, label: `key ${k.name ?? log.origin}` };
        } catch (err) {
          throw new Error(`config logs[${i}] (${log.origin}): ${err.message}`, { cause: err });
        }
      }),
    );
  });
  return { name, logs };
}

/** The witness's Ed25519 key: from `keyFile`, or `<stateDir>/witness-key.pem`, created (0600) on first run. */
export function loadOrCreateKey(stateDir, keyFile) {
  const file = keyFile ?? path.join(stateDir, KEY_FILE);
  if (!keyFile && !fs.existsSync(file)) {
    fs.mkdirSync(stateDir, { recursive: true });
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    try {
      fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
  }
  const privateKey = crypto.createPrivateKey(fs.readFileSync(file));
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: the witness key must be Ed25519, not ${privateKey.asymmetricKeyType}`);
  const der = crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return { privateKey, raw: der.subarray(der.length - 32) };
}

/** Per origin, the last cosigned { size, root }, kept in a JSON file replaced atomically. */
export class WitnessState {
  constructor(stateDir) {
    this.dir = stateDir;
    this.file = path.join(stateDir, STATE_FILE);
    fs.mkdirSync(stateDir, { recursive: true });
    let doc = { logs: {} };
    if (fs.existsSync(this.file)) {
      doc = JSON.parse(fs.readFileSync(this.file, 'utf8'));
      if (!doc || typeof doc.logs !== 'object') throw new Error(`${this.file} is not a witness state file`);
    }
    this.logs = doc.logs;
  }

  get(origin) {
    const s = this.logs[origin];
    return s ? { size: s.size, root: Buffer.from(s.root, 'base64') } : { size: 0, root: null };
  }

  /** Records the new size and root durably (write, fsync, rename, fsync the directory) before returning. */
  set(origin, size, root) {
    const logs = { ...this.logs, [origin]: { size, root: root.toString('base64'), at: new Date().toISOString() } };
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify({ logs }, null, 2) + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    const dirFd = fs.openSync(this.dir, 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
    this.logs = logs;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The add-checkpoint request.

/** Parses `old <size>\n<proof lines>\n\n<note>`; throws a 400 Refusal saying what is malformed. */
export function parseAddCheckpoint(body) {
  const split = body.indexOf('\n\n');
  if (split < 0) throw new Refusal(400, 'malformed request: expected "old <size>", the proof lines, a blank line, then the checkpoint note');
  const [first, ...proofLines] = body.slice(0, split).split('\n');
  const m = /^old (0|[1-9][0-9]{0,15})$/.exec(first);
  if (!m || !Number.isSafeInteger(Number(m[1]))) throw new Refusal(400, `malformed request: the first line must be "old <size>", not ${JSON.stringify(first.slice(0, 40))}`);
  if (proofLines.length > MAX_PROOF) throw new Refusal(400, `malformed request: ${proofLines.length} proof lines, at most ${MAX_PROOF}`);
  const proof = proofLines.map((l, i) => {
    const h = Buffer.from(l, 'base64');
    if (h.length !== 32 || h.toString('base64') !== l) throw new Refusal(400, `malformed request: proof line ${i + 1} is not a base64 SHA-256 hash`);
    return h;
  });
  return { old: Number(m[1]), proof, note: body.slice(split + 2) };
}

/**
 * Checks one add-checkpoint request against the config and state and, when it extends what was cosigned,
 * records it and returns the cosignature line. Throws a Refusal otherwise. Calls must be serialised.
 */
export function addCheckpoint({ config, state, key, now = () => Date.now() }, body) {
  const { old, proof, note } = parseAddCheckpoint(body);
  let parsed, cp;
  try {
    parsed = parseSignedNote(note);
    cp = parseCheckpointBody(parsed.text);
  } catch (err) {
    throw new Refusal(400, `malformed checkpoint: ${err.message}`);
  }
  const keys = config.logs.get(cp.origin);
  if (!keys) throw new Refusal(404, `unknown log: this witness is not configured for origin ${JSON.stringify(cp.origin)}`);
  try {
    verifyLogSignature(parsed, cp, keys, `the checkpoint is not signed by a key configured for ${cp.origin}`);
  } catch (err) {
    throw new Refusal(403, `bad log signature: ${err.message}`);
  }
  if (old > cp.treeSize) throw new Refusal(400, `old size ${old} is above the checkpoint's size ${cp.treeSize}`);
  const mine = state.get(cp.origin);
  if (cp.treeSize < mine.size) {
    throw new Refusal(409, `rollback refused: ${cp.origin} checkpoint size ${cp.treeSize} is smaller than size ${mine.size}, which this witness already cosigned`, mine.size);
  }
  if (old !== mine.size) throw new Refusal(409, `old size ${old} does not match size ${mine.size}, the latest this witness cosigned for ${cp.origin}`, mine.size);
  if (cp.treeSize === mine.size && mine.root !== null && !cp.rootHash.equals(mine.root)) {
    throw new Refusal(
      409,
      `fork refused: ${cp.origin} checkpoint of size ${cp.treeSize} has root ${cp.rootHash.toString('base64')}, but this witness cosigned root ${mine.root.toString('base64')} for that size`,
      mine.size,
    );
  }
  if (mine.size === 0 ? proof.length !== 0 : !verifyConsistency(mine.size, cp.treeSize, mine.root, cp.rootHash, proof)) {
    throw new Refusal(
      422,
      `the consistency proof from size ${mine.size} (root ${mine.root?.toString('base64') ?? 'none'}) to size ${cp.treeSize} does not verify: the checkpoint does not extend what this witness cosigned (a fork, or a wrong proof)`,
    );
  }
  if (cp.treeSize > mine.size || mine.root === null) state.set(cp.origin, cp.treeSize, cp.rootHash);
  const time = BigInt(Math.floor(now() / 1000));
  const timeBytes = Buffer.alloc(8);
  timeBytes.writeBigUInt64BE(time);
  const signature = crypto.sign(null, cosignedMessage(parsed.text, time.toString()), key.privateKey);
  const blob = Buffer.concat([cosignatureKeyId(config.name, key.raw), timeBytes, signature]);
  return `\u2014 ${config.name} ${blob.toString('base64')}\n`;
}

// ---------------------------------------------------------------------------------------------------------
// HTTP.

function send(res, status, body, headers = {}) {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(body);
}

/** The HTTP server; requests are handled one at a time, so the state moves in one order. */
export function createWitnessServer({ config, state, key, log = (s) => process.stderr.write(s + '\n') }) {
  let chain = Promise.resolve();
  const server = http.createServer((req, res) => {
    if (req.url !== '/add-checkpoint') return send(res, 404, 'not found: this witness serves POST /add-checkpoint\n');
    if (req.method !== 'POST') return send(res, 405, 'method not allowed: use POST\n', { allow: 'POST' });
    const chunks = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
      else if (!tooBig) {
        // Answer now; the rest of the body is read and dropped, so memory stays bounded.
        tooBig = true;
        chunks.length = 0;
        send(res, 413, `request body above ${MAX_BODY} bytes; nothing was cosigned\n`, { connection: 'close' });
      }
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (tooBig) return;
      const body = Buffer.concat(chunks);
      chain = chain
        .then(() => {
          if (!isUtf8(body)) throw new Refusal(400, 'malformed request: the body is not UTF-8');
          send(res, 200, addCheckpoint({ config, state, key }, body.toString('utf8')));
        })
        .catch((err) => {
          if (!(err instanceof Refusal)) {
            log(`witness: internal error: ${err.stack ?? err}`);
            return send(res, 500, 'internal error; nothing was cosigned\n');
          }
          log(`witness: ${err.status} ${err.message}`);
          if (err.status !== 409) return send(res, err.status, err.message + '\n');
          send(res, 409, `${err.size}\n`, { 'content-type': 'text/x.tlog.size', 'witness-refusal': err.message.replace(/[^\x20-\x7e]/g, '?') });
        });
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  return server;
}

// ---------------------------------------------------------------------------------------------------------
// Command line.

const USAGE = `usage: node audit/witness.mjs --config <witness.json> --state-dir <dir> [--listen <host:port>] [--key <key.pem>]
       node audit/witness.mjs --config <witness.json> --state-dir <dir> [--key <key.pem>] --print-vkey
Serves POST /add-checkpoint (C2SP tlog-witness); --listen defaults to ${DEFAULT_LISTEN} (port 0: any free port).
--print-vkey prints the witness's verifier key (for NTK_WITNESSES and verify.mjs --witnesses) and exits.`;

export function parseArgs(argv) {
  // node:util's parser: strict (unknown flags and missing values are errors).
  const { values } = nodeParseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: {
      config: { type: 'string' }, 'state-dir': { type: 'string' }, listen: { type: 'string', default: DEFAULT_LISTEN },
      key: { type: 'string' }, 'print-vkey': { type: 'boolean', default: false },
    },
  });
  const out = { config: values.config, stateDir: values['state-dir'], listen: values.listen, key: values.key, printVkey: values['print-vkey'] };
  if (!out.config) throw new Error('--config is required');
  if (!out.stateDir) throw new Error('--state-dir is required');
  const m = /^(.+):([0-9]{1,5})$/.exec(out.listen);
  if (!m || Number(m[2]) > 65535) throw new Error(`--listen must be <host>:<port>, not ${JSON.stringify(out.listen)}`);
  out.host = m[1].replace(/^\[(.*)\]$/, '$1');
  out.port = Number(m[2]);
  return out;
}

export function main(argv) {
  let args, config, key, state;
  try {
    args = parseArgs(argv);
    config = readConfig(fs.readFileSync(args.config, 'utf8'));
    key = loadOrCreateKey(args.stateDir, args.key);
    state = new WitnessState(args.stateDir);
  } catch (err) {
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const vkey = verifierKey(config.name, key.raw, 4);
  if (args.printVkey) {
    process.stdout.write(vkey + '\n');
    return;
  }
  const server = createWitnessServer({ config, state, key });
  server.on('error', (err) => {
    process.stderr.write(`witness: cannot listen on ${args.listen}: ${err.message}\n`);
    process.exitCode = 1;
  });
  server.listen(args.port, args.host, () => {
    const { address, port } = server.address();
    const host = address.includes(':') ? `[${address}]` : address;
    process.stdout.write(`witness ${vkey} listening on http://${host}:${port} for ${[...config.logs.keys()].join(', ')}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.filename && fs.realpathSync(process.argv[1]) === fs.realpathSync(import.meta.filename)) {
  main(process.argv.slice(2));
}
