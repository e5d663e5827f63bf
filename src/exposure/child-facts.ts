/** All live facts of one child (every subject), for exposure reports. */
import type { Queryable } from '../store/store.ts';
import type { Facts } from '../policy/facts.ts';

export async function gatherChildFacts(db: Queryable, nhsNumber: string, since: Date): Promise<Facts> {
  const { rows } = await db.query<{ child: Facts['child'] | null; relationships: Record<string, string>[]; grants: Record<string, unknown>[]; break_glass: Record<string, string>[] }>(
    `select
      (select json_build_object('nhsNumber', nhs_number, 'dateOfBirth', date_of_birth::text, 'area', area, 'sealed', sealed,
              'restricted', restricted, 'labels', labels, 'consentWithheld', consent_withheld) from children where nhs_number = $1) as child,
      (select coalesce(json_agg(json_build_object('id', id, 'subject', subject, 'type', type, 'validFrom', valid_from, 'validTo', valid_to)), '[]')
         from relationships where child = $1 and (valid_to is null or valid_to > $2::timestamptz)) as relationships,
      (select coalesce(json_agg(json_build_object('id', id, 'grantee', grantee, 'sections', sections, 'purpose', purpose, 'expiresAt', expires_at, 'revokedAt', revoked_at)), '[]')
         from grants where child = $1 and revoked_at is null and expires_at > $2::timestamptz) as grants,
      (select coalesce(json_agg(json_build_object('id', id, 'userId', user_id, 'child', child, 'startedAt', started_at, 'expiresAt', expires_at)), '[]')
         from break_glass where child = $1 and expires_at > $2::timestamptz) as break_glass`,
    [nhsNumber, since.toISOString()],
  );
  const r = rows[0];
  return {
    child: r.child ?? undefined,
    relationships: r.relationships.map((x) => ({ id: x.id, subject: x.subject, type: x.type, validFrom: new Date(x.validFrom), validTo: x.validTo ? new Date(x.validTo) : null })),
    grants: r.grants.map((g) => ({
      id: g.id as string, grantee: g.grantee as string, sections: g.sections as string[], purpose: g.purpose as string,
      expiresAt: new Date(g.expiresAt as string), revokedAt: g.revokedAt ? new Date(g.revokedAt as string) : null,
    })),
    breakGlass: r.break_glass.map((b) => ({ id: b.id, userId: b.userId, child: b.child, startedAt: new Date(b.startedAt), expiresAt: new Date(b.expiresAt) })),
  };
}
