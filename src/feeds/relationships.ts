/** Relationships: created by feeds, ended (never deleted) so their history and source stay. */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../store/store.ts';
import { z } from '../http/zod.ts';
import { instant, nhsNumber, reasonText, relationshipType, subject } from '../http/schemas.ts';

export const relationshipInput = z
  .strictObject({
    child: nhsNumber,
    subject,
    type: relationshipType,
    validFrom: instant.optional(),
    validTo: instant.optional(),
    source: z.string().trim().min(1).max(200),
    reason: reasonText.optional(),
  })
  .refine((r) => !r.validFrom || !r.validTo || Date.parse(r.validTo) > Date.parse(r.validFrom), {
    message: 'must be after validFrom',
    path: ['validTo'],
  })
  .openapi('RelationshipInput');
export type RelationshipInput = z.infer<typeof relationshipInput>;

export interface RelationshipRow {
  id: string;
  child: string;
  subject: string;
  type: string;
  validFrom: string;
  validTo: string | null;
  source: string;
  endedAt: string | null;
}

export const relationshipOutput = z
  .object({
    id: z.string(), child: z.string(), subject: z.string(), type: z.string(), validFrom: z.string(),
    validTo: z.string().nullable(), source: z.string(), endedAt: z.string().nullable(), consistencyToken: z.string(),
  })
  .openapi('Relationship');

const COLUMNS = `id, child, subject, type, valid_from as "validFrom", valid_to as "validTo", source, ended_at as "endedAt"`;

export function toRow(r: Record<string, unknown>): RelationshipRow {
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : (v as string | null));
  return { ...(r as unknown as RelationshipRow), validFrom: iso(r.validFrom)!, validTo: iso(r.validTo), endedAt: iso(r.endedAt) };
}

/** Returns field errors for facts the input refers to that do not exist (child, team, user). */
export async function missingReferences(db: Queryable, input: RelationshipInput): Promise<{ field: string; message: string }[]> {
  const [kind, key] = input.subject.split(':');
  const { rows } = await db.query<{ child: boolean; subject: boolean }>(
    `select exists(select 1 from children where nhs_number = $1) as child,
            case $2 when 'team' then exists(select 1 from teams where id = $3)
                    when 'user' then exists(select 1 from users where id = $3) else true end as subject`,
    [input.child, kind, key],
  );
  const errors = [];
  if (!rows[0].child) errors.push({ field: 'child', message: 'no child with this NHS number has been fed' });
  if (!rows[0].subject) errors.push({ field: 'subject', message: `no ${kind} with this id has been fed` });
  return errors;
}

export async function insertRelationship(tx: Queryable, input: RelationshipInput, by: string, now: Date): Promise<RelationshipRow> {
  const { rows } = await tx.query(
    `insert into relationships (id, child, subject, type, valid_from, valid_to, source, reason, created_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning ${COLUMNS}`,
    [randomUUID(), input.child, input.subject, input.type, input.validFrom ?? now.toISOString(), input.validTo ?? null, input.source, input.reason ?? null, by],
  );
  return toRow(rows[0]);
}

/** Ends a relationship now (keeps an earlier end). Returns undefined for an unknown id. */
export async function endRelationship(tx: Queryable, id: string, by: string, now: Date): Promise<RelationshipRow | undefined> {
  const { rows } = await tx.query(
    `update relationships set valid_to = least(coalesce(valid_to, $2::timestamptz), $2::timestamptz),
            ended_at = coalesce(ended_at, $2::timestamptz), ended_by = coalesce(ended_by, $3)
      where id = $1 returning ${COLUMNS}`,
    [id, now.toISOString(), by],
  );
  return rows[0] ? toRow(rows[0]) : undefined;
}
