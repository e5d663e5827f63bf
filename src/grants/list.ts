/**
 * Grants per child, per grantee and per grantor. IG officers see every grant; a safeguarding lead (the
 * role with capability `grant`) sees the grants for children of her own area(s). `active=true` keeps
 * live grants (not revoked, not expired by the server clock), `active=false` the others. `grantor: 'me'`
 * is the caller. The listing is on the trail (audit-query `grants`, with the filters and the count)
 * before it is returned, whoever asks (API or console).
 */
import type { Principal } from '../identity/principal.ts';
import type { Policy } from '../policy/policy.ts';
import type { Queryable } from '../store/store.ts';
import type { TrailAppender } from '../trail/log.ts';
import { actorOf } from '../trail/actor.ts';
import { recordAuditQuery } from '../ig/audit-query.ts';
import { listGrants as grantRows } from '../store/tables/grants.ts';
import { leadAreas } from './lead-area.ts';
import { grantView } from './view.ts';

export interface GrantQuery {
  child?: string;
  /**
   * `user:<id>` or `team:<id>`, matched exactly (a user's team grants are listed under the team); a bare
   * user id or `me` stands for `user:<id>`.
   */
  grantee?: string;
  /** A user id, or `me`. */
  grantor?: string;
  active?: 'true' | 'false';
  limit: number;
}

export interface ListDeps {
  db: Queryable;
  trail: TrailAppender;
  policy: Policy;
  now: () => Date;
}

export async function listGrants(deps: ListDeps, principal: Principal, q: GrantQuery, requestId: string) {
  const areas = deps.policy.capability('grant', principal.role) ? leadAreas(principal) : null;
  const grantor = q.grantor === 'me' ? principal.userId : q.grantor;
  const grantee = q.grantee === 'me' ? `user:${principal.userId}` : q.grantee && !/^(user|team):/.test(q.grantee) ? `user:${q.grantee}` : q.grantee;
  const now = deps.now();
  const rows = await grantRows(deps.db, {
    child: q.child, grantee, grantedBy: grantor, active: q.active === undefined ? undefined : q.active === 'true', areas, limit: q.limit,
  }, now);
  const grants = rows.map((r) => grantView(r, now));
  await recordAuditQuery(deps.trail, { actor: actorOf(principal), requestId }, 'grants', { ...q, grantee, grantor }, grants.length, q.child);
  return grants;
}
