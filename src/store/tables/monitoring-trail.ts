/**
 * What privacy monitoring reads and keeps (src/monitoring/runner.ts): its cursor on the trail, the decision
 * events after it, the facts a batch needs (one statement), the per-day read counts and their baselines,
 * and the checks deferred to later. Shared by both stores.
 */
import type { Queryable } from '../store.ts';
import type { StoredDecision } from '../../monitoring/event.ts';

/** Takes the one-runner lock for this transaction: false when another runner holds it (`wait` blocks instead). */
export async function lockRunner(tx: Queryable, wait: boolean): Promise<boolean> {
  const key = 7_311_946_013; // constant: "ntk monitoring"
  if (wait) {
    await tx.query('select pg_advisory_xact_lock($1::bigint)', [key]);
    return true;
  }
  const { rows } = await tx.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1::bigint) as ok', [key]);
  return rows[0].ok;
}

export async function readCursor(tx: Queryable): Promise<number> {
  const { rows } = await tx.query<{ seq: string }>('select seq from monitoring_cursor where id = 1 for update', []);
  return Number(rows[0].seq);
}

export async function advanceCursor(tx: Queryable, seq: number): Promise<void> {
  await tx.query('update monitoring_cursor set seq = $1, updated_at = now() where id = 1', [seq]);
}

export interface Batch {
  /** The cursor after this batch: every seq below it has been read. */
  upto: number;
  /** Committed events in the trail. */
  size: number;
  /** Time of the first event not yet read (ms), when there is one. */
  nextMs: number | null;
  /** Whether a fact may have changed since trail seq `factsSince` (see readBatch); false when none was given. */
  factsChanged: boolean;
  /** The newest fact_changes seq (bulk loads record one without a trail event). */
  factSeq: number;
  decisions: StoredDecision[];
}

/**
 * Trail kinds that never change a fact the monitoring caches (users, teams, children, relationships).
 * Any other kind since the cache was filled empties it: an unknown new kind errs on the safe side.
 */
export const FACT_NEUTRAL_KINDS = ['decision', 'explain', 'monitoring-case', 'audit-query', 'alert-acknowledge'];

/**
 * Decision events with seq in [from, from + limit), and no further than the committed head, read in one
 * snapshot (one statement): seq is gap-free and committed in order, so nothing below `upto` can appear later.
 * Events of other kinds (queries, case actions, the monitoring's own) are skipped.
 *
 * The batch comes back as ONE text value, each event's columns as a JSON array then its stored body
 * (separated by \x1f, events by \x1e; canonical JSON escapes every control character, so neither occurs
 * inside): on PGlite every row and every column crossing into JS costs, and this was the runner's largest
 * cost when it was read as thousands of rows.
 *
 * `factsSince`: a trail seq; `factsChanged` says whether an event in [factsSince, head) may have changed a fact.
 * Every audited change of a fact appends its trail event in the same transaction, and the trail commits in
 * seq order, so this sees every change committed after the snapshot that read trail head `factsSince`.
 */
export async function readBatch(tx: Queryable, from: number, limit: number, factsSince: number | null = null): Promise<Batch> {
  const { rows } = await tx.query<{ upto: number; size: number; next_ms: number | null; facts_changed: boolean; fact_seq: number; events: string | null }>(
    `with head as (select least(tree_size, $1::bigint + $2) as upto, tree_size from audit_head where id = 1)
     select h.upto, h.tree_size as size,
            (select extract(epoch from a.ts) * 1000 from audit_events a where a.seq = h.upto)::float8 as next_ms,
            $3::bigint is not null and exists (select 1 from audit_events a where a.seq >= $3 and a.seq < h.tree_size and a.kind <> all($4::text[])) as facts_changed,
            (select coalesce(max(seq), 0) from fact_changes) as fact_seq,
            (select string_agg(json_build_array(e.seq, e.id, extract(epoch from e.ts) * 1000, e.actor, e.actor_org, e.child, e.decision, e.break_glass)::text
                                 || chr(31) || e.body, chr(30) order by e.seq)
               from audit_events e where e.seq >= $1 and e.seq < h.upto and e.kind = 'decision' and e.actor is not null) as events
       from head h`,
    [from, limit, factsSince, FACT_NEUTRAL_KINDS],
  );
  const r = rows[0];
  const decisions: StoredDecision[] = [];
  if (r?.events) {
    for (const line of r.events.split('\x1e')) {
      const cut = line.indexOf('\x1f');
      const [seq, id, ms, actor, actorOrg, child, decision, breakGlass] = JSON.parse(line.slice(0, cut)) as [number, string, number | string, string, string | null, string | null, string, boolean];
      decisions.push({ seq, id, ms: Number(ms), actor, actor_org: actorOrg, child, decision, break_glass: breakGlass, body: line.slice(cut + 1) });
    }
  }
  return {
    upto: Number(r?.upto ?? from),
    size: Number(r?.size ?? from),
    nextMs: r?.next_ms === null || r?.next_ms === undefined ? null : Number(r.next_ms),
    factsChanged: r?.facts_changed === true,
    factSeq: Number(r?.fact_seq ?? 0),
    decisions,
  };
}

export interface RawFacts {
  users: { id: string; org: string; fnh: string | null; pch: string | null; teams: { id: string; kind: string }[] }[];
  children: { nhs: string; area: string; fnh: string | null; pch: string | null; monitored: boolean; staff: { id: string; org: string; teams: string[] }[] }[];
  relationships: { id: string; type: string; from: string; to: string | null }[];
  seen: string[];
  recent: StoredDecision[];
}

export interface FactsQuery {
  users: string[];
  children: string[];
  relationshipIds: string[];
  /** user|child pairs read in the batch: which of them, for monitored children, were read before `firstSeq`. */
  pairUsers: string[];
  pairChildren: string[];
  monitoredLabels: string[];
  firstSeq: number;
  /** Users denied in the batch, and from when their earlier decisions are wanted. */
  deniedUsers: string[];
  recentFrom: Date;
}

const STAFF = `json_build_object('id', u.id, 'org', u.org_code, 'fnh', u.family_name_hash, 'pch', u.postcode_hash,
  'teams', coalesce((select json_agg(json_build_object('id', t.id, 'kind', t.kind)) from user_teams ut join teams t on t.id = ut.team_id where ut.user_id = u.id), '[]'))`;
const MONITORED = `exists (select 1 from jsonb_each(c.labels) l, jsonb_array_elements_text(l.value) v where v = any($6::text[]))`;
const CHILD = `json_build_object('nhs', c.nhs_number, 'area', c.area, 'fnh', c.family_name_hash, 'pch', c.postcode_hash, 'monitored', ${MONITORED},
  'staff', coalesce((select json_agg(json_build_object('id', s.id, 'org', s.org_code, 'teams', coalesce((select json_agg(st.team_id) from user_teams st where st.user_id = s.id), '[]')))
     from users s where c.postcode_hash is not null and s.postcode_hash = c.postcode_hash and s.family_name_hash = c.family_name_hash), '[]'))`;

/** Everything a batch's detectors need besides its events, in one statement. */
export async function batchFacts(tx: Queryable, q: FactsQuery): Promise<RawFacts> {
  const { rows } = await tx.query<RawFacts>(
    `select
       coalesce((select json_agg(${STAFF}) from users u where u.id = any($1::text[])), '[]') as users,
       coalesce((select json_agg(${CHILD}) from children c where c.nhs_number = any($2::text[])), '[]') as children,
       coalesce((select json_agg(json_build_object('id', r.id, 'type', r.type, 'from', r.valid_from, 'to', r.valid_to))
                   from relationships r where r.id = any($3::text[])), '[]') as relationships,
       coalesce((select json_agg(p.u || '|' || p.c) from unnest($4::text[], $5::text[]) p(u, c) join children c on c.nhs_number = p.c
                  where ${MONITORED} and exists (select 1 from audit_events a where a.child = p.c and a.actor = p.u and a.kind = 'decision'
                                                  and a.decision = 'permit' and a.seq < $7)), '[]') as seen,
       coalesce((select json_agg(json_build_object('seq', a.seq, 'id', a.id, 'ms', extract(epoch from a.ts) * 1000, 'actor', a.actor,
                   'actor_org', a.actor_org, 'child', a.child, 'decision', a.decision, 'break_glass', a.break_glass, 'body', a.body))
                  from audit_events a where a.actor = any($8::text[]) and a.kind = 'decision' and a.ts >= $9 and a.seq < $7), '[]') as recent`,
    [q.users, q.children, q.relationshipIds, q.pairUsers, q.pairChildren, q.monitoredLabels, q.firstSeq, q.deniedUsers, q.recentFrom.toISOString()],
  );
  return rows[0];
}

export interface DayRead {
  user: string;
  day: string;
  child: string;
  breakGlass: boolean;
}

/**
 * Records the distinct children each user read each day, adds the new ones to the day's counts, and returns
 * each of `days`' count after it (the upsert's own answer where it changed the day, the row as it was where not).
 */
export async function recordReads(tx: Queryable, reads: DayRead[], groups: Map<string, string>, days: { user: string; day: string }[]): Promise<{ u: string; d: string; n: number }[]> {
  if (!reads.length) return [];
  const { rows } = await tx.query<{ today: { u: string; d: string; n: number }[] }>(
    `with r as (
       insert into monitoring_reads (user_id, day, child, break_glass)
       select * from unnest($1::text[], $2::date[], $3::text[], $4::boolean[]) on conflict do nothing returning user_id, day, break_glass),
     n as (select user_id, day, count(*) filter (where not break_glass) as c, count(*) filter (where break_glass) as b from r group by user_id, day),
     up as (
       insert into monitoring_user_days (user_id, day, peer_group, children, break_glass)
       select n.user_id, n.day, g.g, n.c, n.b from n join unnest($5::text[], $6::text[]) g(u, g) on g.u = n.user_id
       on conflict (user_id, day) do update set children = monitoring_user_days.children + excluded.children,
         break_glass = monitoring_user_days.break_glass + excluded.break_glass
       returning user_id, day, children)
     select coalesce(json_agg(json_build_object('u', t.u, 'd', t.d::text, 'n', coalesce(up.children, d.children, 0))), '[]') as today
       from unnest($7::text[], $8::date[]) t(u, d)
       left join up on up.user_id = t.u and up.day = t.d
       left join monitoring_user_days d on d.user_id = t.u and d.day = t.d`,
    [reads.map((r) => r.user), reads.map((r) => r.day), reads.map((r) => r.child), reads.map((r) => r.breakGlass), [...groups.keys()], [...groups.values()],
      days.map((x) => x.user), days.map((x) => x.day)],
  );
  return rows[0].today;
}

export interface StatsQuery {
  own: { user: string; day: string }[];
  peers: { group: string; day: string }[];
  breakGlass: { user: string; day: string }[];
  baselineDays: number;
  breakGlassDays: number;
}

export interface RawStats {
  own: { u: string; d: string; xs: number[] }[];
  peers: { g: string; d: string; xs: number[]; bg: number[] }[];
  bg: { u: string; d: string; n: number }[];
}

/** The baselines (earlier days of the window) the runner has not cached yet, and break-glass counts in the window. */
export async function dayStats(tx: Queryable, q: StatsQuery): Promise<RawStats> {
  const { rows } = await tx.query<RawStats>(
    `select
       coalesce((select json_agg(json_build_object('u', t.u, 'd', t.d::text, 'xs',
                   (select coalesce(json_agg(h.children), '[]') from monitoring_user_days h
                     where h.user_id = t.u and h.day >= t.d - $7::int and h.day < t.d and h.children > 0)))
                   from unnest($1::text[], $2::date[]) t(u, d)), '[]') as own,
       coalesce((select json_agg(json_build_object('g', t.g, 'd', t.d::text,
                   'xs', (select coalesce(json_agg(h.children), '[]') from monitoring_user_days h
                           where h.peer_group = t.g and h.day >= t.d - $7::int and h.day < t.d and h.children > 0),
                   'bg', (select coalesce(json_agg(s.n), '[]') from (select sum(h.break_glass) as n from monitoring_user_days h
                           where h.peer_group = t.g and h.day >= t.d - $8::int and h.day < t.d group by h.user_id) s)))
                   from unnest($3::text[], $4::date[]) t(g, d)), '[]') as peers,
       coalesce((select json_agg(json_build_object('u', t.u, 'd', t.d::text, 'n',
                   (select coalesce(sum(h.break_glass), 0) from monitoring_user_days h where h.user_id = t.u and h.day > t.d - $8::int and h.day <= t.d)))
                   from unnest($5::text[], $6::date[]) t(u, d)), '[]') as bg`,
    [
      q.own.map((x) => x.user), q.own.map((x) => x.day),
      q.peers.map((x) => x.group), q.peers.map((x) => x.day), q.breakGlass.map((x) => x.user), q.breakGlass.map((x) => x.day),
      q.baselineDays, q.breakGlassDays,
    ],
  );
  return rows[0];
}

export async function deferChecks(tx: Queryable, checks: { rule: string; user: string; child: string; day: string; dueAt: number; evidence: string[] }[]): Promise<void> {
  if (!checks.length) return;
  await tx.query(
    `insert into monitoring_deferred (rule, user_id, child, day, due_at, evidence)
     select r, u, c, d, to_timestamp(t / 1000.0), string_to_array(e, ',')
       from unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::float8[], $6::text[]) x(r, u, c, d, t, e)`,
    [checks.map((c) => c.rule), checks.map((c) => c.user), checks.map((c) => c.child), checks.map((c) => c.day), checks.map((c) => c.dueAt), checks.map((c) => c.evidence.join(','))],
  );
}

export interface DueCheck {
  rule: string;
  user_id: string;
  child: string;
  day: string;
  evidence: string[];
  confirmed: boolean;
}

/** Takes the checks due by `now` off the list, each with whether a real relationship now ties the child to the user. */
export async function takeDueChecks(tx: Queryable, now: Date): Promise<DueCheck[]> {
  const { rows } = await tx.query<DueCheck>(
    `with due as (delete from monitoring_deferred where due_at <= $1 returning rule, user_id, child, day, evidence)
     select d.rule, d.user_id, d.child, d.day::text as day, d.evidence,
            exists (select 1 from relationships r where r.child = d.child and r.type <> 'self-claimed'
                     and (r.subject = 'user:' || d.user_id
                          or r.subject = (select 'org:' || u.org_code from users u where u.id = d.user_id)
                          or r.subject in (select 'team:' || ut.team_id from user_teams ut where ut.user_id = d.user_id))) as confirmed
       from due d`,
    [now.toISOString()],
  );
  return rows;
}
