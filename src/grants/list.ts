/**
 * Grants per child and per grantee. IG officers see every grant; a safeguarding lead sees the grants
 * for children of their own area(s). `active=true` keeps live grants (not revoked, not expired by the
 * server clock), `active=false` the others.
 */
import type { Queryable } from '../store/store.ts';
import { listGrants as grantRows } from '../store/tables/grants.ts';
import { grantView } from './view.ts';

export interface GrantQuery {
  child?: string;
  grantee?: string;
  active?: 'true' | 'false';
  limit: number;
}

/** `areas`: only grants for children of these areas (a lead's), or null for all (IG). */
export async function listGrants(db: Queryable, areas: string[] | null, q: GrantQuery, now: Date) {
  const rows = await grantRows(db, { child: q.child, grantee: q.grantee, active: q.active === undefined ? undefined : q.active === 'true', areas, limit: q.limit }, now);
  return rows.map((r) => grantView(r, now));
}
