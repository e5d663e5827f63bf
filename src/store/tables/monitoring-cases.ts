/** The monitoring_cases table (and its notes): how a case is opened once, read, listed in its viewer's scope, and changed. */
import type { Queryable } from '../store.ts';

export interface CaseRow {
  id: string;
  rule: string;
  severity: string;
  status: 'open' | 'assigned' | 'closed';
  user_id: string;
  user_org: string | null;
  child: string | null;
  child_area: string | null;
  day: string;
  explanation: string;
  evidence: string[];
  opened_at: Date;
  assignee: string | null;
  outcome: string | null;
  closed_at: Date | null;
}

export interface NewCase {
  id: string;
  rule: string;
  severity: string;
  user: string;
  child?: string;
  day: string;
  explanation: string;
  evidence: string[];
}

/** Who may see which cases: an IG officer's, about users of their organisation or area or children of their area; a lead's, about children of their areas, for some rules. */
export type CaseScope = { kind: 'org'; org: string } | { kind: 'area'; areas: string[]; rules: string[] };

const COLUMNS = `id, rule, severity, status, user_id, user_org, child, child_area, day::text as day, explanation, evidence, opened_at, assignee, outcome, closed_at`;

/**
 * Opens each case unless one exists for its (rule, user, child, day), or, for a rule about a child, a case
 * of the rule about the same user and child is still open (not closed): one matter, one case at a time, so a
 * standing reason to read (a namesake family, a neighbour's child on the practice list) read on many days
 * is worked once; later findings add their evidence to it (addEvidence). Returns the ones opened now.
 */
export async function openCases(tx: Queryable, cases: NewCase[], now: Date): Promise<CaseRow[]> {
  if (!cases.length) return [];
  const { rows } = await tx.query<CaseRow>(
    `insert into monitoring_cases (id, rule, severity, user_id, user_org, child, child_area, day, explanation, evidence, opened_at, updated_at)
     select x.id, x.rule, x.severity, x.u, (select org_code from users where id = x.u), x.c, (select area from children where nhs_number = x.c),
            x.d, x.expl, string_to_array(x.ev, ','), $9, $9
       from (select distinct on (rule, u, coalesce(c, ''), case when c is null then d end) *
               from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::text[], $8::text[]) x(id, rule, severity, u, c, d, expl, ev)
              order by rule, u, coalesce(c, ''), case when c is null then d end, d) x
      where x.c is null or not exists (select 1 from monitoring_cases o
                                        where o.rule = x.rule and o.user_id = x.u and coalesce(o.child, '') = x.c and o.status <> 'closed')
     on conflict (rule, user_id, (coalesce(child, '')), day) do nothing
     returning ${COLUMNS}`,
    [
      cases.map((c) => c.id), cases.map((c) => c.rule), cases.map((c) => c.severity), cases.map((c) => c.user), cases.map((c) => c.child ?? null),
      cases.map((c) => c.day), cases.map((c) => c.explanation), cases.map((c) => c.evidence.join(',')), now.toISOString(),
    ],
  );
  return rows;
}

/** Most evidence events one case lists (the rest stay on the trail, found by user and child). */
const MAX_EVIDENCE = 200;

/**
 * Findings that an open case of the same rule, user and child stands for (openCases opened nothing for
 * them): their evidence events are added to that case, after what it has, once each. Returns the cases
 * that gained evidence, with what they gained, so the runner can put the addition on the trail.
 */
export async function addEvidence(tx: Queryable, cases: NewCase[], now: Date): Promise<{ id: string; child: string; added: string[] }[]> {
  const about = cases.filter((c) => c.child);
  if (!about.length) return [];
  const { rows } = await tx.query<{ id: string; child: string; added: string[] }>(
    `with x as (
       select rule, u, c, array_agg(e order by d, e) as ev
         from unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[]) f(rule, u, c, d, evs), unnest(string_to_array(f.evs, ',')) e
        group by rule, u, c),
     target as (
       select o.id, o.child, o.evidence,
              array(select distinct on (e) e from unnest(x.ev) with ordinality n(e, i) where e <> all(o.evidence) order by e, i) as added
         from x join monitoring_cases o on o.rule = x.rule and o.user_id = x.u and o.child = x.c and o.status <> 'closed'),
     changed as (
       update monitoring_cases o set evidence = (o.evidence || t.added)[1:${MAX_EVIDENCE}], updated_at = $6
         from target t
        where o.id = t.id and cardinality(t.added) > 0 and cardinality(o.evidence) < ${MAX_EVIDENCE}
        returning o.id)
     select t.id, t.child, t.added from target t join changed c on c.id = t.id`,
    [about.map((c) => c.rule), about.map((c) => c.user), about.map((c) => c.child), about.map((c) => c.day), about.map((c) => c.evidence.join(',')), now.toISOString()],
  );
  return rows;
}

const SCOPE = `(($1::text is not null and (c.user_org = $1 or c.child_area = (select area from orgs where code = $1)
                                         or (select area from orgs where code = c.user_org) = (select area from orgs where code = $1)))
   or ($2::text[] is not null and c.child_area = any($2::text[]) and c.rule = any($3::text[])))`;
const scopeParams = (s: CaseScope) => (s.kind === 'org' ? [s.org, null, null] : [null, s.areas, s.rules]);

export interface CaseFilters {
  status?: string;
  rule?: string;
  user?: string;
  child?: string;
  from?: string;
  to?: string;
  limit: number;
  /** Keyset: cases opened before this one (newest first). */
  after?: { openedAt: string; id: string };
}

export async function listCases(db: Queryable, scope: CaseScope, f: CaseFilters): Promise<CaseRow[]> {
  const { rows } = await db.query<CaseRow>(
    `select ${COLUMNS} from monitoring_cases c
      where ${SCOPE} and ($4::text is null or c.status = $4) and ($5::text is null or c.rule = $5) and ($6::text is null or c.user_id = $6)
        and ($7::text is null or c.child = $7) and ($8::timestamptz is null or c.opened_at >= $8) and ($9::timestamptz is null or c.opened_at < $9)
        and ($10::timestamptz is null or (c.opened_at, c.id) < ($10::timestamptz, $11::text))
      order by c.opened_at desc, c.id desc limit $12`,
    [...scopeParams(scope), f.status ?? null, f.rule ?? null, f.user ?? null, f.child ?? null, f.from ?? null, f.to ?? null,
      f.after?.openedAt ?? null, f.after?.id ?? null, f.limit],
  );
  return rows;
}

/** One case in the scope (undefined when there is none), locked for update when `lock`. */
export async function getCase(db: Queryable, scope: CaseScope, id: string, lock = false): Promise<CaseRow | undefined> {
  const { rows } = await db.query<CaseRow>(`select ${COLUMNS} from monitoring_cases c where ${SCOPE} and c.id = $4${lock ? ' for update' : ''}`, [...scopeParams(scope), id]);
  return rows[0];
}

export async function caseNotes(db: Queryable, id: string): Promise<{ author: string; text: string; at: Date }[]> {
  const { rows } = await db.query<{ author: string; text: string; at: Date }>('select author, text, at from monitoring_case_notes where case_id = $1 order by id', [id]);
  return rows;
}

export async function addNote(tx: Queryable, id: string, author: string, text: string, now: Date): Promise<void> {
  await tx.query('insert into monitoring_case_notes (case_id, author, text, at) values ($1, $2, $3, $4)', [id, author, text, now.toISOString()]);
}

export interface CaseUpdate {
  status: CaseRow['status'];
  assignee: string | null;
  outcome: string | null;
  closedAt: Date | null;
}

export async function updateCase(tx: Queryable, id: string, u: CaseUpdate, now: Date): Promise<void> {
  await tx.query('update monitoring_cases set status = $2, assignee = $3, outcome = $4, closed_at = $5, updated_at = $6 where id = $1', [
    id, u.status, u.assignee, u.outcome, u.closedAt?.toISOString() ?? null, now.toISOString(),
  ]);
}

/**
 * Whether a user may be assigned cases: fed as staff, and recorded on the trail acting as an IG officer
 * (roles come from CIS2 tokens, not from the staff feed, so the trail is where a role is on record).
 */
export async function isIgOfficer(db: Queryable, userId: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(
    `select exists (select 1 from users where id = $1)
        and exists (select 1 from audit_events where actor = $1 and body like '%"role":"ig-officer"%') as ok`,
    [userId],
  );
  return rows[0].ok;
}
