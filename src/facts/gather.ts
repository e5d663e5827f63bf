/**
 * Gathers everything a decision needs in ONE store round trip: the workgroup teams and the
 * organisation's kind (for the role mapping), the child, and the relationships, grants and
 * break-glass that could apply to this user. Nothing is cached, so a decision always sees every
 * committed write (including revocations) at the moment it is made.
 */
import type { Queryable } from '../store/store.ts';
import type { TeamInfo } from '../identity/principal.ts';
import type { BreakGlassFact, ChildFacts, Facts, GrantFact, RelationshipFact } from '../policy/facts.ts';

export interface GatherInput {
  child: string;
  userId: string;
  /** user:, team: and org: subjects from the token; school: subjects follow from the teams. */
  subjects: string[];
  workgroups: string[];
  orgCode?: string;
  now: Date;
  /** Relationships that ended longer ago than this cannot count (the longest grace period). */
  lookbackDays: number;
}

export interface Gathered {
  facts: Facts;
  teams: TeamInfo[];
  orgKind?: string;
  /** Newest fact change visible to this read (compared with consistency tokens). */
  factSeq: number;
}

const SQL = `
with t as (select id, kind, area, schools from teams where id = any($3::text[])),
     s as (select unnest($2::text[]) as subject union select 'school:' || unnest(schools) from t)
select
  (select json_build_object('nhsNumber', nhs_number, 'dateOfBirth', date_of_birth::text, 'area', area, 'sealed', sealed,
          'restricted', restricted, 'labels', labels, 'consentWithheld', consent_withheld)
     from children where nhs_number = $1) as child,
  (select coalesce(json_agg(json_build_object('id', id, 'kind', kind, 'area', area, 'schools', schools)), '[]') from t) as teams,
  (select kind from orgs where code = $4) as org_kind,
  (select coalesce(json_agg(json_build_object('id', id, 'subject', subject, 'type', type, 'validFrom', valid_from, 'validTo', valid_to)), '[]')
     from relationships
    where child = $1 and subject in (select subject from s) and (valid_to is null or valid_to > $6::timestamptz)) as relationships,
  (select coalesce(json_agg(json_build_object('id', id, 'grantee', grantee, 'sections', sections, 'purpose', purpose,
          'expiresAt', expires_at, 'revokedAt', revoked_at)), '[]')
     from grants where child = $1 and grantee = any($2::text[]) and revoked_at is null and expires_at > $6::timestamptz) as grants,
  (select coalesce(json_agg(json_build_object('id', id, 'userId', user_id, 'child', child, 'startedAt', started_at, 'expiresAt', expires_at)), '[]')
     from break_glass where user_id = $5 and child = $1 and expires_at > $6::timestamptz) as break_glass,
  (select coalesce(max(seq), 0) from fact_changes) as fact_seq`;

interface Row {
  child: ChildFacts | null;
  teams: TeamInfo[];
  org_kind: string | null;
  relationships: (Omit<RelationshipFact, 'validFrom' | 'validTo'> & { validFrom: string; validTo: string | null })[];
  grants: (Omit<GrantFact, 'expiresAt' | 'revokedAt'> & { expiresAt: string; revokedAt: string | null })[];
  break_glass: (Omit<BreakGlassFact, 'startedAt' | 'expiresAt'> & { startedAt: string; expiresAt: string })[];
  fact_seq: number;
}

export async function gatherFacts(db: Queryable, input: GatherInput): Promise<Gathered> {
  const since = new Date(input.now.getTime() - input.lookbackDays * 86_400_000);
  const { rows } = await db.query<Row>(SQL, [
    input.child,
    input.subjects,
    input.workgroups,
    input.orgCode ?? null,
    input.userId,
    since.toISOString(),
  ]);
  const r = rows[0];
  return {
    facts: {
      child: r.child ?? undefined,
      relationships: r.relationships.map((x) => ({ ...x, validFrom: new Date(x.validFrom), validTo: x.validTo ? new Date(x.validTo) : null })),
      grants: r.grants.map((g) => ({ ...g, expiresAt: new Date(g.expiresAt), revokedAt: g.revokedAt ? new Date(g.revokedAt) : null })),
      breakGlass: r.break_glass.map((b) => ({ ...b, startedAt: new Date(b.startedAt), expiresAt: new Date(b.expiresAt) })),
    },
    teams: r.teams,
    orgKind: r.org_kind ?? undefined,
    factSeq: Number(r.fact_seq),
  };
}
