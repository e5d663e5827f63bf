/**
 * Gathers everything a decision needs in ONE store round trip: the workgroup teams and the
 * organisation's kind (for the role mapping), the child, and the relationships, grants and
 * break-glass that could apply to this user. Nothing is cached, so a decision always sees every
 * committed write (including revocations) at the moment it is made.
 */
import type { Queryable } from '../store/store.ts';
import type { TeamInfo } from '../identity/principal.ts';
import type { Facts } from '../policy/facts.ts';
import { BREAK_GLASS_JSON, CHILD_JSON, GRANTS_JSON, RELATIONSHIPS_JSON, toFacts, type FactsRow } from './shape.ts';

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
  (select ${CHILD_JSON} from children where nhs_number = $1) as child,
  (select coalesce(json_agg(json_build_object('id', id, 'kind', kind, 'area', area, 'schools', schools)), '[]') from t) as teams,
  (select kind from orgs where code = $4) as org_kind,
  (select ${RELATIONSHIPS_JSON} from relationships
    where child = $1 and subject in (select subject from s) and (valid_to is null or valid_to > $6::timestamptz)) as relationships,
  (select ${GRANTS_JSON} from grants
    where child = $1 and grantee = any($2::text[]) and revoked_at is null and expires_at > $6::timestamptz) as grants,
  (select ${BREAK_GLASS_JSON} from break_glass where user_id = $5 and child = $1 and expires_at > $6::timestamptz) as break_glass,
  (select coalesce(max(seq), 0) from fact_changes) as fact_seq`;

interface Row extends FactsRow {
  teams: TeamInfo[];
  org_kind: string | null;
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
    facts: toFacts(r),
    teams: r.teams,
    orgKind: r.org_kind ?? undefined,
    factSeq: Number(r.fact_seq),
  };
}
