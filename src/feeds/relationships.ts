/** Relationships from the feeds: started one at a time or imported, ended (never deleted) so their history and source stay. */
import { randomUUID } from 'node:crypto';
import type { AuditedChanges } from '../change/audited-change.ts';
import type { FieldError } from '../errors.ts';
import type { Queryable } from '../store/store.ts';
import { InvalidInput, NotFound } from '../errors.ts';
import { z } from '../http/zod.ts';
import { instant, nhsNumber, reasonText, relationshipType, subject } from '../http/schemas.ts';
import { actorOf } from '../trail/actor.ts';
import { endRelationship as endRow, insertRelationship, knownReferences } from '../store/tables/relationships.ts';
import type { By } from './organisation.ts';

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

export const relationshipOutput = z
  .object({
    id: z.string(), child: z.string(), subject: z.string(), type: z.string(), validFrom: z.string(),
    validTo: z.string().nullable(), source: z.string(), endedAt: z.string().nullable(), consistencyToken: z.string(),
  })
  .openapi('Relationship');

const fedSubject = (s: string) => /^(team|user):/.test(s);

/** Field errors (unprefixed) for each input whose child, team or user was never fed. */
export async function unknownReferences(db: Queryable, inputs: RelationshipInput[]): Promise<FieldError[][]> {
  const known = await knownReferences(db, inputs.map((i) => i.child), inputs.map((i) => i.subject).filter(fedSubject));
  return inputs.map((input) => {
    const errors: FieldError[] = [];
    if (!known.children.has(input.child)) errors.push({ field: 'child', message: 'no child with this NHS number has been fed' });
    if (fedSubject(input.subject) && !known.subjects.has(input.subject)) {
      errors.push({ field: 'subject', message: `no ${input.subject.split(':')[0]} with this id has been fed` });
    }
    return errors;
  });
}

export async function startRelationship(changes: AuditedChanges, by: By, input: RelationshipInput) {
  const { value: rel, consistencyToken } = await changes.run(async (c) => {
    const [missing] = await unknownReferences(c.tx, [input]);
    InvalidInput.throwIfAny(missing.map((e) => ({ ...e, field: `body.${e.field}` })));
    const row = await insertRelationship(c.tx, {
      id: randomUUID(), child: input.child, subject: input.subject, type: input.type, validFrom: input.validFrom ?? c.now.toISOString(),
      validTo: input.validTo ?? null, source: input.source, reason: input.reason ?? null, createdBy: by.principal.userId,
    });
    c.factChanged('relationship', row.id);
    c.audit({
      kind: 'relationship', actor: actorOf(by.principal), child: row.child, requestId: by.requestId,
      details: { change: 'start', id: row.id, subject: row.subject, type: row.type, validFrom: row.validFrom, validTo: row.validTo, source: row.source },
    });
    return row;
  });
  return { ...rel, consistencyToken: consistencyToken! };
}

/** Ends the relationship now; 404 for an unknown id. */
export async function endRelationship(changes: AuditedChanges, by: By, id: string) {
  const { value: rel, consistencyToken } = await changes.run(async (c) => {
    const row = await endRow(c.tx, id, by.principal.userId, c.now);
    if (!row) throw new NotFound('no relationship with this id');
    c.factChanged('relationship', row.id);
    c.audit({
      kind: 'relationship', actor: actorOf(by.principal), child: row.child, requestId: by.requestId,
      details: { change: 'end', id: row.id, subject: row.subject, type: row.type, validTo: row.validTo },
    });
    return row;
  });
  return { ...rel, consistencyToken: consistencyToken! };
}
