/**
 * Loads N synthetic but valid audit events with COPY, appended after whatever the trail holds: each body
 * is the event's RFC 8785 canonical JSON including its seq, leaf_hash = SHA-256(0x00 || body), and the
 * Merkle tree of migration 005 is extended with them (same node rows as src/trail/tree.ts writes), so the
 * verifier, proofs and later appends work on the loaded trail. The bench must be the only writer meanwhile.
 */
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import canonicalize from 'canonicalize';
import type { Store } from '../src/store/store.ts';
import { AuditTree } from '../src/trail/tree.ts';
import { hashChildren, rangeNodes } from '../src/trail/merkle.ts';
import { getMarker, setMarker } from './db.ts';

export interface AuditLoadInfo {
  events: number;
  firstSeq: number;
  loadSeconds: number;
  eventsPerSecond: number;
  reused: boolean;
}

const SECTIONS = ['demographics', 'immunisations', 'screening', 'health-visiting', 'school-nursing', 'safeguarding'];
const YEAR_MS = 365 * 86_400_000;
const BATCH = 20_000;

interface Staff { id: string; org: string; team: string | null }

/** The canonical JSON of one decision event, written out with keys already in RFC 8785 order. */
function body(seq: number, id: string, ts: string, s: Staff, child: string, section: string, permit: boolean, req: string, policy: string): string {
  const q = JSON.stringify;
  const actor = `{"client":"bench-clinical-system","org":${q(s.org)},"role":"health-visitor","roleCode":"S8000:G8000:R8001","roleId":${q(`pr-${s.id}`)},"user":${q(s.id)}}`;
  const details = permit
    ? `{"basis":[{"kind":"relationship","relationshipId":"rel-${seq % 2_000_000}","type":"caseload","via":${q(`team:${s.team ?? 'none'}`)}}],"obligations":[],"reason":{"code":"PERMIT","detail":{"age":3,"bases":1}}}`
    : `{"basis":[],"obligations":[],"reason":{"code":"NO_RELATIONSHIP","detail":{"age":3,"candidates":[],"grants":0}}}`;
  return `{"action":"read","actor":${actor},"breakGlass":false,"child":${q(child)},"decision":"${permit ? 'permit' : 'deny'}","details":${details},` +
    `"id":${q(id)},"kind":"decision","policyVersion":${q(policy)},"purpose":"TREAT","requestId":${q(req)},"section":${q(section)},"seq":${seq},"ts":${q(ts)},"v":1}`;
}

async function copyStream(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const stream = client.query(copyFrom(sql));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  return {
    async write(chunk: string) {
      if (!stream.write(chunk)) await once(stream, 'drain');
    },
    async end() {
      stream.end();
      await done;
      await client.end();
    },
  };
}

export async function ensureAuditEvents(store: Store, url: string, wanted: number, log: (s: string) => void): Promise<AuditLoadInfo> {
  const marker = await getMarker<AuditLoadInfo>(store, 'audit');
  const have = marker?.events ?? 0;
  if (have >= wanted) {
    log(`audit: reusing ${have.toLocaleString('en-GB')} loaded events (loaded in ${marker!.loadSeconds.toFixed(0)} s)`);
    return { ...marker!, reused: true };
  }
  const n = wanted - have;
  const tree = new AuditTree(store);
  const head = await tree.sync(); // the tree catches up with events appended without its hook
  const stray = await store.query<{ n: number }>('select count(*)::int8 as n from audit_events where seq >= $1', [head]);
  if (stray.rows[0].n) throw new Error(`audit_events holds events at or beyond the head (${head}): an interrupted load? rerun with --fresh`);

  const children = (await store.query<{ n: string }>('select nhs_number as n from children')).rows.map((r) => r.n);
  const staff = (await store.query<Staff>(
    `select u.id, u.org_code as org, min(ut.team_id) as team from users u left join user_teams ut on ut.user_id = u.id group by u.id, u.org_code`,
  )).rows;
  if (!children.length || !staff.length) throw new Error('load the population before the audit events');
  const policy = 'sha256:' + createHash('sha256').update('bench').digest('hex');

  log(`audit: loading ${n.toLocaleString('en-GB')} events after seq ${head} (COPY, with the Merkle tree)`);
  const started = performance.now();
  const frontier = rangeNodes(0, head);
  const pending: (Buffer | undefined)[] = [];
  if (frontier.length) {
    const r = await store.query<{ level: number; hash: Buffer }>(
      `select n.level, n.hash from audit_merkle_nodes n join unnest($1::smallint[], $2::bigint[]) as w(level, idx) on n.level = w.level and n.idx = w.idx`,
      [frontier.map((f) => f.level), frontier.map((f) => f.index)],
    );
    if (r.rows.length !== frontier.length) throw new Error('the audit tree frontier is incomplete');
    for (const row of r.rows) pending[row.level] = Buffer.from(row.hash);
  }
  const events = await copyStream(url, 'copy audit_events (seq, id, ts, kind, actor, actor_org, child, section, decision, break_glass, request_id, body, leaf_hash) from stdin');
  const nodes = await copyStream(url, 'copy audit_merkle_nodes (level, idx, hash) from stdin');
  const t0 = Date.now() - YEAR_MS;
  const step = (YEAR_MS - 60_000) / n;
  const leafPrefix = Buffer.from([0]);
  let lastTenth = -1;
  for (let done = 0; done < n; ) {
    const m = Math.min(BATCH, n - done);
    const ev: string[] = [];
    const nd: string[] = [];
    for (let i = 0; i < m; i++, done++) {
      const seq = head + done;
      const id = randomUUID();
      const ts = new Date(t0 + done * step).toISOString();
      const s = staff[(Math.random() * staff.length) | 0];
      const child = children[(Math.random() * children.length) | 0];
      const section = SECTIONS[(Math.random() * SECTIONS.length) | 0];
      const permit = Math.random() < 0.85;
      const req = `req-${(seq / 3) | 0}`;
      const text = body(seq, id, ts, s, child, section, permit, req, policy);
      if (done % 50_000 === 0 && text !== canonicalize(JSON.parse(text))) throw new Error('bench event body is not canonical JSON');
      let h: Buffer = createHash('sha256').update(leafPrefix).update(text).digest();
      ev.push(`${seq}\t${id}\t${ts}\tdecision\t${s.id}\t${s.org}\t${child}\t${section}\t${permit ? 'permit' : 'deny'}\tf\t${req}\t${text}\t\\\\x${h.toString('hex')}\n`);
      let level = 0;
      let index = seq;
      nd.push(`0\t${index}\t\\\\x${h.toString('hex')}\n`);
      while (index % 2 === 1) {
        h = hashChildren(pending[level]!, h);
        pending[level] = undefined;
        level++;
        index = (index - 1) / 2;
        nd.push(`${level}\t${index}\t\\\\x${h.toString('hex')}\n`);
      }
      pending[level] = h;
    }
    await Promise.all([events.write(ev.join('')), nodes.write(nd.join(''))]);
    const tenth = Math.floor((done / n) * 10);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      log(`  ${done.toLocaleString('en-GB')} events, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
  }
  await Promise.all([events.end(), nodes.end()]);
  const moved = await store.query('update audit_head set tree_size = $2 where id = 1 and tree_size = $1', [head, head + n]);
  if (moved.rowCount !== 1) throw new Error('another writer appended to the audit trail during the load');
  const loadSeconds = (performance.now() - started) / 1000;
  await store.query('analyze audit_events');
  await store.query('analyze audit_merkle_nodes');
  const info: AuditLoadInfo = { events: have + n, firstSeq: marker?.firstSeq ?? head, loadSeconds: (marker?.loadSeconds ?? 0) + loadSeconds, eventsPerSecond: n / loadSeconds, reused: false };
  await setMarker(store, 'audit', info);
  log(`audit: ${n.toLocaleString('en-GB')} events in ${loadSeconds.toFixed(1)} s (${Math.round(n / loadSeconds).toLocaleString('en-GB')}/s)`);
  return info;
}
