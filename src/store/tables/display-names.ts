/** Display names of users, organisations and teams (the users, orgs and teams tables), for reports. Shared by both stores. */
import type { Queryable } from '../store.ts';

/** The names of the given ids, keyed `user:<id>`, `org:<code>` and `team:<id>`; unknown ids are absent. */
export async function displayNames(db: Queryable, ids: { users: string[]; orgs: string[]; teams: string[] }): Promise<Map<string, string>> {
  const { rows } = await db.query<{ key: string; name: string }>(
    `select 'user:' || id as key, name from users where id = any($1::text[])
     union all select 'org:' || code, name from orgs where code = any($2::text[])
     union all select 'team:' || id, name from teams where id = any($3::text[])`,
    [ids.users, ids.orgs, ids.teams],
  );
  return new Map(rows.map((r) => [r.key, r.name]));
}
