/**
 * Grants per child and per grantee. IG officers see every grant; a safeguarding lead sees the grants
 * for children of their own area(s). `active=true` keeps live grants (not revoked, not expired by the
 * server clock), `active=false` the others.
 */
import type { Queryable } from '../store/store.ts';
import { GRANT_COLUMNS, grantView, type GrantRow } from './view.ts';

export interface GrantQuery {
  child?: string;
  grantee?: string;
  active?: 'true' | 'false';
  limit: number;
}

/** `areas`: only grants for children of these areas (a lead's), or null for all (IG). */
export async function listGrants(db: Queryable, areas: string[] | null, q: GrantQuery, now: Date) {
  const { rows } = await db.query<GrantRow>(
    `select ${GRANT_COLUMNS} from grants
      where ($1::text is null or child = $1) and ($2::text is null or grantee = $2)
        and ($3::boolean is null or (revoked_at is null and expires_at > $4::timestamptz) = $3::boolean)
        and ($5::text[] is null or child in (select nhs_number from children where area = any($5::text[])))
      order by granted_at desc, id limit $6`,
    [q.child ?? null, q.grantee ?? null, q.active === undefined ? null : q.active === 'true', now.toISOString(), areas, q.limit],
  );
  return rows.map((r) => grantView(r, now));
}
