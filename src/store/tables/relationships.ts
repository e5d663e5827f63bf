/**
 * The relationships table: a subject ('user:', 'team:', 'org:', 'school:') tied to a child for a time.
 * Rows are never deleted: ending one sets valid_to and ended_at, so history and source stay.
 */
import type { Queryable } from '../store.ts';

export interface RelationshipRow {
  id: string;
  child: string;
  subject: string;
  type: string;
  validFrom: string;
  validTo: string | null;
  source: string;
  endedAt: string | null;
}

export interface NewRelationship extends Omit<RelationshipRow, 'endedAt'> {
  reason: string | null;
  createdBy: string;
}

const COLUMNS = `id, child, subject, type, valid_from as "validFrom", valid_to as "validTo", source, ended_at as "endedAt"`;

function toRow(r: Record<string, unknown>): RelationshipRow {
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : (v as string | null));
  return { ...(r as unknown as RelationshipRow), validFrom: iso(r.validFrom)!, validTo: iso(r.validTo), endedAt: iso(r.endedAt) };
}

export async function insertRelationship(tx: Queryable, r: NewRelationship): Promise<RelationshipRow> {
  const { rows } = await tx.query(
    `insert into relationships (id, child, subject, type, valid_from, valid_to, source, reason, created_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning ${COLUMNS}`,
    [r.id, r.child, r.subject, r.type, r.validFrom, r.validTo, r.source, r.reason, r.createdBy],
  );
  return toRow(rows[0]);
}

/** Inserts many at once; a row whose id already exists is skipped. Returns the ids inserted. */
export async function insertRelationshipsOnce(tx: Queryable, rs: NewRelationship[]): Promise<Set<string>> {
  const { rows } = await tx.query<{ id: string }>(
    `insert into relationships (id, child, subject, type, valid_from, valid_to, source, reason, created_by)
     select i, c, s, t, f, v, src, r, b
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::text[])
         as x(i, c, s, t, f, v, src, r, b)
     on conflict (id) do nothing returning id`,
    [rs.map((r) => r.id), rs.map((r) => r.child), rs.map((r) => r.subject), rs.map((r) => r.type), rs.map((r) => r.validFrom),
      rs.map((r) => r.validTo), rs.map((r) => r.source), rs.map((r) => r.reason), rs.map((r) => r.createdBy)],
  );
  return new Set(rows.map((r) => r.id));
}

/** Ends a relationship now (keeps an earlier end). Returns undefined for an unknown id. */
export async function endRelationship(tx: Queryable, id: string, by: string, now: Date): Promise<RelationshipRow | undefined> {
  const { rows } = await tx.query(
    `update relationships set valid_to = least(coalesce(valid_to, $2::timestamptz), $2::timestamptz),
            ended_at = coalesce(ended_at, $2::timestamptz), ended_by = coalesce(ended_by, $3)
      where id = $1 returning ${COLUMNS}`,
    [id, now.toISOString(), by],
  );
  return rows[0] ? toRow(rows[0]) : undefined;
}

const END_CURRENT = `update relationships set valid_to = $2::timestamptz, ended_at = $2::timestamptz, ended_by = $3
  where child = $1 and (valid_to is null or valid_to > $2::timestamptz)`;

/** Ends the child's current relationships of one type; returns their subjects. */
export async function endCurrentOfType(tx: Queryable, child: string, type: string, by: string, now: Date): Promise<string[]> {
  const { rows } = await tx.query<{ subject: string }>(`${END_CURRENT} and type = $4 returning subject`, [child, now.toISOString(), by, type]);
  return rows.map((r) => r.subject);
}

/** Ends the child's current caseloads held by teams of `area`; returns their subjects. */
export async function endCaseloadsOfArea(tx: Queryable, child: string, area: string, by: string, now: Date): Promise<string[]> {
  const { rows } = await tx.query<{ subject: string }>(
    `${END_CURRENT} and type = 'caseload' and subject in (select 'team:' || id from teams where area = $4) returning subject`,
    [child, now.toISOString(), by, area],
  );
  return rows.map((r) => r.subject);
}

/** Of the children and team/user subjects named, those that were fed. */
export async function knownReferences(db: Queryable, children: string[], subjects: string[]): Promise<{ children: Set<string>; subjects: Set<string> }> {
  const { rows } = await db.query<{ children: string[]; subjects: string[] }>(
    `select (select coalesce(array_agg(nhs_number), '{}') from children where nhs_number = any($1::text[])) as children,
            (select coalesce(array_agg(s), '{}') from unnest($2::text[]) s
              where (s like 'team:%' and substr(s, 6) in (select id from teams))
                 or (s like 'user:%' and substr(s, 6) in (select id from users))) as subjects`,
    [[...new Set(children)], [...new Set(subjects)]],
  );
  return { children: new Set(rows[0].children), subjects: new Set(rows[0].subjects) };
}
