/** The orgs table: organisations from the feed (the role mapping needs their kind). */
import type { Queryable } from '../store.ts';

export interface OrgInput {
  code: string;
  name: string;
  kind: string;
  area?: string;
}

/** Creates or updates the organisation; true when it was created. */
export async function upsertOrg(tx: Queryable, org: OrgInput): Promise<boolean> {
  const { rows } = await tx.query<{ inserted: boolean }>(
    `insert into orgs (code, name, kind, area) values ($1, $2, $3, $4)
     on conflict (code) do update set name = excluded.name, kind = excluded.kind, area = excluded.area, updated_at = now()
     returning (xmax = 0) as inserted`,
    [org.code, org.name, org.kind, org.area ?? null],
  );
  return rows[0].inserted;
}
