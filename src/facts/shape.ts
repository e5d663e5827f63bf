/**
 * The JSON shapes in which fact queries return a child, relationships, grants and break-glass, and
 * their parsing into Facts: shared by the authorise query (gather.ts) and the per-child query (child.ts).
 */
import type { BreakGlassFact, ChildFacts, Facts, GrantFact, RelationshipFact } from '../policy/facts.ts';

export const CHILD_JSON = `json_build_object('nhsNumber', nhs_number, 'dateOfBirth', date_of_birth::text, 'area', area, 'sealed', sealed,
  'restricted', restricted, 'labels', labels, 'consentWithheld', consent_withheld)`;
export const RELATIONSHIPS_JSON = `coalesce(json_agg(json_build_object('id', id, 'subject', subject, 'type', type, 'validFrom', valid_from, 'validTo', valid_to)), '[]')`;
export const GRANTS_JSON = `coalesce(json_agg(json_build_object('id', id, 'grantee', grantee, 'sections', sections, 'purpose', purpose,
  'expiresAt', expires_at, 'revokedAt', revoked_at)), '[]')`;
export const BREAK_GLASS_JSON = `coalesce(json_agg(json_build_object('id', id, 'userId', user_id, 'child', child, 'startedAt', started_at, 'expiresAt', expires_at)), '[]')`;

type Json<T, Dates extends keyof T> = Omit<T, Dates> & { [K in Dates]: T[K] extends Date ? string : string | null };

export interface FactsRow {
  child: ChildFacts | null;
  relationships: Json<RelationshipFact, 'validFrom' | 'validTo'>[];
  grants: Json<GrantFact, 'expiresAt' | 'revokedAt'>[];
  break_glass: Json<BreakGlassFact, 'startedAt' | 'expiresAt'>[];
}

const date = (v: string) => new Date(v);
const maybeDate = (v: string | null) => (v ? new Date(v) : null);

export function toFacts(r: FactsRow): Facts {
  return {
    child: r.child ?? undefined,
    relationships: r.relationships.map((x) => ({ ...x, validFrom: date(x.validFrom), validTo: maybeDate(x.validTo) })),
    grants: r.grants.map((g) => ({ ...g, expiresAt: date(g.expiresAt), revokedAt: maybeDate(g.revokedAt) })),
    breakGlass: r.break_glass.map((b) => ({ ...b, startedAt: date(b.startedAt), expiresAt: date(b.expiresAt) })),
  };
}
