/** The grants table: time-boxed access a safeguarding lead gives a user or team to sections of one child. */
import type { Queryable } from '../store.ts';

export interface GrantRow {
  id: string;
  child: string;
  grantee: string;
  sections: string[];
  purpose: string;
  reason: string;
  granted_by: string;
  granted_at: Date | string;
  expires_at: Date | string;
  revoked_at: Date | string | null;
  revoked_by: string | null;
  revoke_reason: string | null;
}

const COLUMNS = ['id', 'child', 'grantee', 'sections', 'purpose', 'reason', 'granted_by', 'granted_at', 'expires_at', 'revoked_at', 'revoked_by', 'revoke_reason'];
const columns = (alias?: string) => COLUMNS.map((c) => (alias ? `${alias}.${c}` : c)).join(', ');

export interface NewGrant {
  id: string;
  child: string;
  grantee: string;
  sections: string[];
  purpose: string;
  reason: string;
  grantedBy: string;
  grantedAt: Date;
  expiresAt: string;
}

export async function insertGrant(tx: Queryable, g: NewGrant): Promise<GrantRow> {
  const { rows } = await tx.query<GrantRow>(
    `insert into grants (id, child, grantee, sections, purpose, reason, granted_by, granted_at, expires_at)
     values ($1, $2, $3, $4::text[], $5, $6, $7, $8, $9) returning ${columns()}`,
    [g.id, g.child, g.grantee, g.sections, g.purpose, g.reason, g.grantedBy, g.grantedAt.toISOString(), g.expiresAt],
  );
  return rows[0];
}

/** The grant with the area of its child (null for a child never fed). */
export async function grantWithArea(db: Queryable, id: string): Promise<(GrantRow & { area: string | null }) | undefined> {
  const { rows } = await db.query<GrantRow & { area: string | null }>(
    `select ${columns('g')}, c.area from grants g left join children c on c.nhs_number = g.child where g.id = $1`,
    [id],
  );
  return rows[0];
}

/** The grant with the area of its child (null for a child never fed), locked for the caller's transaction. */
export async function grantForUpdate(tx: Queryable, id: string): Promise<(GrantRow & { area: string | null }) | undefined> {
  const { rows } = await tx.query<GrantRow & { area: string | null }>(
    `select ${columns('g')}, c.area from grants g left join children c on c.nhs_number = g.child where g.id = $1 for update of g`,
    [id],
  );
  return rows[0];
}

/** Moves the grant's end (the caller holds its row lock and checked the new end). */
export async function extendGrant(tx: Queryable, id: string, expiresAt: Date): Promise<GrantRow> {
  const { rows } = await tx.query<GrantRow>(`update grants set expires_at = $2 where id = $1 returning ${columns()}`, [id, expiresAt.toISOString()]);
  return rows[0];
}

export async function revokeGrant(tx: Queryable, id: string, by: string, reason: string, now: Date): Promise<GrantRow> {
  const { rows } = await tx.query<GrantRow>(
    `update grants set revoked_at = $2, revoked_by = $3, revoke_reason = $4 where id = $1 returning ${columns()}`,
    [id, now.toISOString(), by, reason],
  );
  return rows[0];
}

export interface GrantFilter {
  child?: string;
  grantee?: string;
  /** The user id of the lead who granted. */
  grantedBy?: string;
  /** true: live grants (not revoked, not expired at `now`); false: the others. */
  active?: boolean;
  /** Only grants for children of these areas, or null for all. */
  areas: string[] | null;
  limit: number;
}

export async function listGrants(db: Queryable, f: GrantFilter, now: Date): Promise<GrantRow[]> {
  const { rows } = await db.query<GrantRow>(
    `select ${columns()} from grants
      where ($1::text is null or child = $1) and ($2::text is null or grantee = $2)
        and ($3::boolean is null or (revoked_at is null and expires_at > $4::timestamptz) = $3::boolean)
        and ($5::text[] is null or child in (select nhs_number from children where area = any($5::text[])))
        and ($7::text is null or granted_by = $7)
      order by granted_at desc, id limit $6`,
    [f.child ?? null, f.grantee ?? null, f.active ?? null, now.toISOString(), f.areas, f.limit, f.grantedBy ?? null],
  );
  return rows;
}
