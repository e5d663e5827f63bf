/**
 * The audit trail at scale: history searches (the contract's keyset queries on the 003 indexes), a child's
 * access report, export, the independent verifier against raw SHA-256 of the same bytes, inclusion
 * proofs, and the append rate of the group-committing AuditLog under many concurrent appenders.
 */
import crypto, { createHash, generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Store } from '../src/store/store.ts';
import { AuditLog } from '../src/trail/log.ts';
import { AuditTree } from '../src/trail/tree.ts';
import { exportNdjson } from '../src/ig/export.ts';
import { hashLeaf, verifyInclusion } from '../src/trail/merkle.ts';
import { DEFAULT_ORIGIN, checkpointText } from '../src/trail/checkpoint-note.ts';
import { publicKeyPem, signNote } from '../src/trail/signing-key.ts';
import { NOTE_TERMINATOR } from '../src/trail/publish.ts';
import { latency, now, round, saturate, timeEach, type Latency } from './stats.ts';

/** crypto.hash (Node >= 20.12) is the one-shot digest the verifier uses; createHash is the fallback. */
const oneShot: (alg: string, data: Buffer, enc: 'latin1') => string =
  (crypto as unknown as { hash?: (alg: string, data: Buffer, enc: 'latin1') => string }).hash ??
  ((alg, data, enc) => createHash(alg).update(data).digest(enc as 'base64'));
const VERIFIER = path.resolve(import.meta.dirname, '../audit/verify.mjs');

export interface AuditFigures {
  trailEvents: number;
  childHistory: Latency;
  userHistory: Latency;
  accessReport: Latency;
  plans: { childHistory: string; userHistory: string };
  export: { events: number; seconds: number; eventsPerSecond: number; megabytes: number };
  verifier: { ok: boolean; verdict: string; seconds: number; eventsPerSecond: number };
  rawSha256: { seconds: number; eventsPerSecond: number };
  verifierVsRaw: number;
  inclusionProof: Latency;
  append: { appenders: number; seconds: number; events: number; eventsPerSecond: number; meanBatch: number; latency: Latency };
}

const sample = <T>(xs: T[], n: number) => Array.from({ length: n }, () => xs[Math.floor(Math.random() * xs.length)]);

async function plan(store: Store, sql: string, param: string): Promise<string> {
  const r = await store.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${sql}`, [param]);
  return r.rows.map((x) => x['QUERY PLAN']).join('\n');
}

const CHILD_HISTORY = 'select seq, id, ts, kind, actor, section, decision from audit_events where child = $1 order by ts desc, seq desc limit 50';
const USER_HISTORY = 'select seq, id, ts, kind, child, section, decision from audit_events where actor = $1 order by ts desc, seq desc limit 50';
/** Who read which sections of this child over the last year, and how: the rows of an access report. */
const ACCESS_REPORT = `select actor, actor_org, section, decision, count(*)::int as times, min(ts) as first, max(ts) as last
  from audit_events where child = $1 and kind = 'decision' and ts >= now() - interval '1 year'
  group by actor, actor_org, section, decision order by last desc`;

/** Reads the exported file the way the verifier does and SHA-256es each line, one shot per line: the raw rate. */
async function rawHash(file: string): Promise<number> {
  let lines = 0;
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const buf = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      oneShot('sha256', buf.subarray(start, nl), 'latin1');
      lines++;
      start = nl + 1;
    }
    rest = buf.subarray(start);
  }
  return lines;
}

export async function auditBench(
  store: Store,
  opts: { dir: string; seconds: number; samples: number; exportEvents?: number; log: (s: string) => void },
): Promise<AuditFigures> {
  const { log } = opts;
  const tree = new AuditTree(store);
  const size = await tree.sync();
  const children = (await store.query<{ c: string }>('select nhs_number as c from children')).rows.map((r) => r.c);
  const actors = (await store.query<{ a: string }>('select id as a from users')).rows.map((r) => r.a);

  log('audit: history searches and access reports');
  // Warm the indexes the way a running service has them, then measure fresh random keys.
  await timeEach(sample(children, 50), (c) => store.query(CHILD_HISTORY, [c]));
  const childHistory = latency(await timeEach(sample(children, opts.samples), (c) => store.query(CHILD_HISTORY, [c])));
  const userHistory = latency(await timeEach(sample(actors, opts.samples), (a) => store.query(USER_HISTORY, [a])));
  const accessReport = latency(await timeEach(sample(children, opts.samples), (c) => store.query(ACCESS_REPORT, [c])));
  const plans = { childHistory: await plan(store, CHILD_HISTORY, sample(children, 1)[0]), userHistory: await plan(store, USER_HISTORY, sample(actors, 1)[0]) };

  const exportEvents = Math.min(size, opts.exportEvents ?? size);
  log(`audit: export of ${exportEvents.toLocaleString('en-GB')} events`);
  const file = path.join(opts.dir, 'audit-export.ndjson');
  let t = now();
  const out = createWriteStream(file);
  for await (const line of exportNdjson(store, { toSeq: exportEvents, chunkSize: 5000 })) {
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const exportSeconds = (now() - t) / 1000;
  const bytes = statSync(file).size;

  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const root = await tree.root(exportEvents);
  const note = signNote(checkpointText({ origin: DEFAULT_ORIGIN, treeSize: exportEvents, rootHash: root, timestamp: new Date().toISOString() }), DEFAULT_ORIGIN, { privateKey, publicKey });
  await writeFile(path.join(opts.dir, 'checkpoints.log'), note + NOTE_TERMINATOR);
  await writeFile(path.join(opts.dir, 'audit-public-key.pem'), publicKeyPem(publicKey));
  log('audit: independent verifier');
  t = now();
  const v = spawnSync(process.execPath, [VERIFIER, '--events', file, '--public-key', path.join(opts.dir, 'audit-public-key.pem'), '--checkpoints', path.join(opts.dir, 'checkpoints.log'), '--quiet'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const verifySeconds = (now() - t) / 1000;
  const verdict = v.stdout.trim().split('\n').pop() ?? '';
  t = now();
  const hashed = await rawHash(file);
  const rawSeconds = (now() - t) / 1000;
  if (hashed !== exportEvents) throw new Error(`export has ${hashed} lines, expected ${exportEvents}`);

  log('audit: inclusion proofs');
  const indexes = Array.from({ length: opts.samples }, () => Math.floor(Math.random() * size));
  const proofs = latency(await timeEach(indexes, (i) => tree.inclusionProof(i, size)));
  const probe = indexes[0];
  const leaf = (await store.query<{ body: string }>('select body from audit_events where seq = $1', [probe])).rows[0].body;
  if (!verifyInclusion(hashLeaf(Buffer.from(leaf)), probe, size, await tree.inclusionProof(probe, size), await tree.root(size))) {
    throw new Error(`the inclusion proof of event ${probe} does not verify`);
  }

  log('audit: append rate (AuditLog group commit with the Merkle tree)');
  const audit = new AuditLog(store, tree);
  const appenders = 64;
  const batchesBefore = audit.batches;
  const r = await saturate(appenders, opts.seconds, async () => {
    await audit.appendOne({ kind: 'decision', actor: { user: 'bench-appender', role: 'health-visitor', org: 'RNU' }, child: '9990000018', section: 'immunisations', action: 'read', purpose: 'TREAT', decision: 'permit', requestId: 'bench', details: { reason: { code: 'PERMIT' } } });
    return 1;
  });
  await audit.close();
  const batches = audit.batches - batchesBefore;

  return {
    trailEvents: size,
    childHistory,
    userHistory,
    accessReport,
    plans,
    export: { events: exportEvents, seconds: round(exportSeconds, 2), eventsPerSecond: round(exportEvents / exportSeconds), megabytes: round(bytes / 1e6, 1) },
    verifier: { ok: v.status === 0, verdict, seconds: round(verifySeconds, 2), eventsPerSecond: round(exportEvents / verifySeconds) },
    rawSha256: { seconds: round(rawSeconds, 2), eventsPerSecond: round(exportEvents / rawSeconds) },
    verifierVsRaw: round(rawSeconds / verifySeconds, 2),
    inclusionProof: proofs,
    append: { appenders, seconds: round(r.seconds, 1), events: r.units, eventsPerSecond: round(r.units / r.seconds), meanBatch: round(r.units / Math.max(1, batches), 1), latency: latency(r.ms) },
  };
}
