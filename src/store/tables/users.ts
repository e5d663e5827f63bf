/** The users table and a user's team memberships (user_teams): staff from the feed. */
import type { Queryable } from '../store.ts';
import type { TeamInfo } from '../../identity/principal.ts';
import { userTeamsJson } from './teams.ts';

export interface UserRow {
  id: string;
  name: string;
  orgCode: string;
  familyNameHash: string | null;
  postcodeHash: string | null;
}

/** Creates or updates the user and replaces their teams; true when the user was created. */
export async function upsertUser(tx: Queryable, user: UserRow, teams: string[]): Promise<boolean> {
  const { rows } = await tx.query<{ inserted: boolean }>(
    `insert into users (id, name, org_code, family_name_hash, postcode_hash) values ($1, $2, $3, $4, $5)
     on conflict (id) do update set name = excluded.name, org_code = excluded.org_code, family_name_hash = excluded.family_name_hash,
       postcode_hash = excluded.postcode_hash, updated_at = now()
     returning (xmax = 0) as inserted`,
    [user.id, user.name, user.orgCode, user.familyNameHash, user.postcodeHash],
  );
  await tx.query('delete from user_teams where user_id = $1', [user.id]);
  await tx.query('insert into user_teams (user_id, team_id) select $1, unnest($2::text[])', [user.id, teams]);
  return rows[0].inserted;
}

/** The user's teams and the kind of their organisation, or undefined when no such user was fed. */
export async function userTeamsAndOrgKind(db: Queryable, userId: string): Promise<{ teams: TeamInfo[]; orgKind?: string } | undefined> {
  const { rows } = await db.query<{ teams: TeamInfo[]; org_kind: string | null }>(
    `select ${userTeamsJson('u.id')} as teams, (select kind from orgs where code = u.org_code) as org_kind from users u where u.id = $1`,
    [userId],
  );
  return rows[0] ? { teams: rows[0].teams, orgKind: rows[0].org_kind ?? undefined } : undefined;
}

/** The ids of the teams the feed says the user belongs to (none for a user never fed). */
export async function teamIdsOfUser(db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ team_id: string }>('select team_id from user_teams where user_id = $1 order by team_id', [userId]);
  return rows.map((r) => r.team_id);
}
