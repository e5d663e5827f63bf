/**
 * The audit trail's rows: audit_events (append-only, monthly partitions) and audit_head (the one row
 * whose tree_size numbers the events; its row lock serialises every writer). Every statement that
 * writes or reads them is here, shared by both stores; the Merkle nodes are in audit-tree.ts.
 */
import type { Queryable } from '../store.ts';
import { frontierJson, insertNodesFrom, type NodeRows } from './audit-tree.ts';

/** New events, one array per column, numbered from a first seq. */
export interface EventRows {
  ids: string[];
  ts: string[];
  kinds: string[];
  actors: (string | null)[];
  actorOrgs: (string | null)[];
  children: (string | null)[];
  sections: (string | null)[];
  decisions: (string | null)[];
  breakGlass: boolean[];
  requestIds: (string | null)[];
  /** The canonical bodies, seq included. */
  bodies: string[];
  leafHashes: Buffer[];
}

/** $1 the first seq, $2..$13 the columns, one array each. */
const EVENTS_FROM = `select $1::bigint + u.ord - 1, u.id, u.ts, u.kind, u.actor, u.actor_org, u.child, u.section, u.decision, u.break_glass, u.request_id, u.body, u.leaf_hash
    from unnest($2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                $10::boolean[], $11::text[], $12::text[], $13::bytea[])
         with ordinality as u(id, ts, kind, actor, actor_org, child, section, decision, break_glass, request_id, body, leaf_hash, ord)`;
const EVENT_COLUMNS = 'seq, id, ts, kind, actor, actor_org, child, section, decision, break_glass, request_id, body, leaf_hash';
const INSERT_EVENTS = `insert into audit_events (${EVENT_COLUMNS}) ${EVENTS_FROM}`;

function eventParams(first: number, e: EventRows): unknown[] {
  return [first, e.ids, e.ts, e.kinds, e.actors, e.actorOrgs, e.children, e.sections, e.decisions, e.breakGlass, e.requestIds, e.bodies, e.leafHashes];
}

/**
 * The one-statement append: $14 events at seq $1.. if and only if audit_head is still at $1, with their
 * Merkle nodes ($15-$17). The update takes the row lock (waiting for any other writer to commit, then
 * re-checking the size), so the inserts happen exactly when the numbering was right; `appended` says which.
 * When it was wrong, `size` and `frontier` are the head and the frontier nodes of the statement's snapshot
 * (one snapshot, so they agree).
 */
const APPEND_AT = `with head as (
    update audit_head set tree_size = tree_size + $14 where id = 1 and tree_size = $1 returning tree_size),
  events as (
    ${INSERT_EVENTS} where exists (select from head)),
  nodes as (
    ${insertNodesFrom('$15', '$16', '$17')} where exists (select from head)),
  cur as (
    select tree_size from audit_head where id = 1 and not exists (select from head))
  select (select count(*)::int from head) as appended,
    (select tree_size from cur) as size,
    ${frontierJson('cur', 'cur.tree_size')} as frontier`;

export interface AppendAtResult {
  appended: boolean;
  /** When not appended: the head as the statement saw it, and the frontier nodes stored at that size. */
  size: number | null;
  frontier: { level: number; hash: string }[] | null;
}

/** Appends the events at seq `first` with their nodes, if and only if the head is still at `first` (see APPEND_AT). */
export async function appendIfHeadAt(db: Queryable, first: number, events: EventRows, nodes: NodeRows): Promise<AppendAtResult> {
  const r = await db.query<{ appended: number; size: string | null; frontier: { level: number; hash: string }[] | null }>(APPEND_AT, [
    ...eventParams(first, events), events.ids.length, nodes.levels, nodes.indexes, nodes.hashes,
  ]);
  const row = r.rows[0];
  return { appended: Number(row.appended) === 1, size: row.size === null ? null : Number(row.size), frontier: row.frontier };
}

/** Reserves `n` sequence numbers (taking the audit_head row lock until the transaction ends); returns the first. */
export async function reserveSeqs(tx: Queryable, n: number): Promise<number> {
  const head = await tx.query<{ tree_size: number }>('update audit_head set tree_size = tree_size + $1 where id = 1 returning tree_size', [n]);
  return Number(head.rows[0].tree_size) - n;
}

export async function insertEvents(tx: Queryable, first: number, events: EventRows): Promise<void> {
  await tx.query(INSERT_EVENTS, eventParams(first, events));
}

/** The number of events committed (the head). With `lock`, holds the head's row lock until the transaction ends. */
export async function headSize(db: Queryable, lock = false): Promise<number> {
  const r = await db.query<{ tree_size: number }>(`select tree_size from audit_head where id = 1${lock ? ' for update' : ''}`, []);
  return Number(r.rows[0].tree_size);
}

export interface StoredRow {
  seq: number;
  body: string;
  leaf_hash: Uint8Array;
}

/** The events with from <= seq < to, in seq order, as the database holds them (gaps and duplicates included). */
export async function eventsInSeqWindow(db: Queryable, from: number, to: number): Promise<StoredRow[]> {
  const r = await db.query<StoredRow>('select seq, body, leaf_hash from audit_events where seq >= $1 and seq < $2 order by seq', [from, to]);
  return r.rows;
}

/** The seqs [start, end) of the events with from <= ts < to (start = end when there are none). */
export async function seqRangeInTime(db: Queryable, from: string | undefined, to: string | undefined): Promise<{ start: number; end: number }> {
  const r = await db.query<{ lo: number | null; hi: number | null }>(
    `select min(seq) as lo, max(seq) as hi from audit_events where ($1::timestamptz is null or ts >= $1) and ($2::timestamptz is null or ts < $2)`,
    [from ?? null, to ?? null],
  );
  const { lo, hi } = r.rows[0] ?? {};
  return lo == null || hi == null ? { start: 0, end: 0 } : { start: Number(lo), end: Number(hi) + 1 };
}

/** The smallest seq in from <= seq < to, or undefined when there is none. */
export async function firstSeqIn(db: Queryable, from: number, to: number): Promise<number | undefined> {
  const r = await db.query<{ seq: number | null }>('select min(seq) as seq from audit_events where seq >= $1 and seq < $2', [from, to]);
  return r.rows[0]?.seq == null ? undefined : Number(r.rows[0].seq);
}

export async function eventById(db: Queryable, id: string): Promise<StoredRow | undefined> {
  const r = await db.query<StoredRow>('select seq, body, leaf_hash from audit_events where id = $1', [id]);
  return r.rows[0];
}

/** What a search or an export can filter on; `from` inclusive, `to` exclusive. */
export interface EventFilters {
  child?: string;
  actor?: string;
  org?: string;
  section?: string;
  decision?: string;
  kind?: string;
  breakGlass?: boolean;
  from?: string;
  to?: string;
}

/** The WHERE clause for the filters, its values pushed onto `params`. */
function whereFor(f: EventFilters, params: unknown[]): string {
  const where: string[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.child) add('child = ?', f.child);
  if (f.actor) add('actor = ?', f.actor);
  if (f.org) add('actor_org = ?', f.org);
  if (f.section) add('section = ?', f.section);
  if (f.decision) add('decision = ?', f.decision);
  if (f.kind) add('kind = ?', f.kind);
  if (f.breakGlass !== undefined) add('break_glass = ?', f.breakGlass);
  if (f.from) add('ts >= ?::timestamptz', f.from);
  if (f.to) add('ts < ?::timestamptz', f.to);
  return where.length ? where.join(' and ') : 'true';
}

export async function countEvents(db: Queryable, f: EventFilters): Promise<number> {
  const params: unknown[] = [];
  const r = await db.query<{ n: number }>(`select count(*)::int as n from audit_events where ${whereFor(f, params)}`, params);
  return r.rows[0].n;
}

/** Up to `limit` matching events, newest first, strictly before `before` (keyset on (ts, seq)) when given. */
export async function newestEvents(
  db: Queryable, f: EventFilters, before: { ts: string; seq: number } | undefined, limit: number,
): Promise<{ seq: number; ts: Date; body: string }[]> {
  const params: unknown[] = [];
  let where = whereFor(f, params);
  if (before) {
    params.push(before.ts, before.seq);
    where += ` and (ts, seq) < ($${params.length - 1}::timestamptz, $${params.length})`;
  }
  params.push(limit);
  const r = await db.query<{ seq: number; ts: Date; body: string }>(
    `select seq, ts, body from audit_events where ${where} order by ts desc, seq desc limit $${params.length}`,
    params,
  );
  return r.rows;
}

/** The bodies of the matching events in time order (ts, seq). */
export async function bodiesInTimeOrder(db: Queryable, f: EventFilters): Promise<string[]> {
  const params: unknown[] = [];
  const r = await db.query<{ body: string }>(`select body from audit_events where ${whereFor(f, params)} order by ts, seq`, params);
  return r.rows.map((row) => row.body);
}

/** Up to `limit` matching events with afterSeq < seq < beforeSeq, in seq order. */
export async function eventsAfterSeq(
  db: Queryable, f: EventFilters, afterSeq: number, beforeSeq: number, limit: number,
): Promise<{ seq: number; body: string }[]> {
  const params: unknown[] = [afterSeq, beforeSeq];
  const where = whereFor(f, params);
  params.push(limit);
  const r = await db.query<{ seq: number; body: string }>(
    `select seq, body from audit_events where seq > $1 and seq < $2 and ${where} order by seq limit $${params.length}`,
    params,
  );
  return r.rows;
}

/** Creates the monthly partition holding `day` (YYYY-MM-DD) if it is missing (migrations/008). */
export async function ensurePartition(db: Queryable, day: string): Promise<void> {
  await db.query('select ntk_audit_ensure_partition($1::date)', [day]);
}
