/**
 * Children from the feed. The child row carries the facts rules look at (age, area, seals, labels,
 * consent); GP registration and school enrolment are ALSO kept as relationships, so that every
 * decision goes through one mechanism with history: a change of practice or school ends the old
 * relationship and starts a new one. A move of area ends the old area's team caseloads and gives
 * those teams a read-only `handover` relationship for the policy's handover window.
 */
import { randomUUID } from 'node:crypto';
import type { AuditedChanges } from '../change/audited-change.ts';
import { z } from '../http/zod.ts';
import { area, date, section } from '../http/schemas.ts';
import { actorOf } from '../trail/actor.ts';
import { placementForUpdate, upsertChild } from '../store/tables/children.ts';
import { endCaseloadsOfArea, endCurrentOfType, insertRelationship } from '../store/tables/relationships.ts';
import type { FactHasher } from './hash.ts';
import type { By } from './organisation.ts';

const label = z.string().regex(/^[A-Z]{1,10}$/, 'an HL7 confidentiality or sensitivity code such as R, V, SEX, SDV, MH');

export const childInput = z
  .strictObject({
    dateOfBirth: date,
    area,
    gpPractice: z.string().regex(/^[A-Z0-9]{3,10}$/, 'an ODS organisation code'),
    school: z.string().regex(/^[0-9]{6,7}$/, 'a school URN').optional(),
    familyName: z.string().trim().min(1).max(200).optional(),
    postcode: z.string().trim().min(2).max(10).optional(),
    sealed: z.boolean().optional(),
    restricted: z.boolean().optional(),
    labels: z.partialRecord(section, z.array(label).max(10)).optional(),
    consentWithheld: z.array(section).optional(),
  })
  .openapi('ChildInput');
export type ChildInput = z.infer<typeof childInput>;

export interface ChildChange {
  created: boolean;
  changed: string[];
  relationshipsEnded: number;
  relationshipsStarted: number;
}

const FEED = 'child-feed';

export async function putChild(changes: AuditedChanges, hasher: FactHasher, handoverDays: number, by: By, nhsNumber: string, input: ChildInput) {
  const { value: change, consistencyToken } = await changes.run(async (c) => {
    const { tx, now } = c;
    const before = await placementForUpdate(tx, nhsNumber);
    await upsertChild(tx, {
      nhsNumber, dateOfBirth: input.dateOfBirth, area: input.area, gpPractice: input.gpPractice, school: input.school ?? null,
      familyNameHash: hasher.hash('family-name', input.familyName), postcodeHash: hasher.hash('postcode', input.postcode),
      sealed: input.sealed ?? false, restricted: input.restricted ?? false, labels: input.labels ?? {}, consentWithheld: input.consentWithheld ?? [],
    }, now);
    const change: ChildChange = { created: !before, changed: [], relationshipsEnded: 0, relationshipsStarted: 0 };
    const ended = (subjects: string[]) => ((change.relationshipsEnded += subjects.length), subjects);
    const start = async (subject: string, type: string, validTo: string | null) => {
      await insertRelationship(tx, {
        id: randomUUID(), child: nhsNumber, subject, type, validFrom: now.toISOString(), validTo, source: FEED, reason: null, createdBy: FEED,
      });
      change.relationshipsStarted++;
    };

    if (before?.gp_practice !== input.gpPractice) {
      if (before) change.changed.push('gpPractice');
      ended(await endCurrentOfType(tx, nhsNumber, 'gp-registration', FEED, now));
      await start(`org:${input.gpPractice}`, 'gp-registration', null);
    }
    if ((before?.school ?? null) !== (input.school ?? null)) {
      if (before) change.changed.push('school');
      ended(await endCurrentOfType(tx, nhsNumber, 'school-enrolment', FEED, now));
      if (input.school) await start(`school:${input.school}`, 'school-enrolment', null);
    }
    if (before && before.area !== input.area) {
      change.changed.push('area');
      const until = new Date(now.getTime() + handoverDays * 86_400_000).toISOString();
      for (const subject of ended(await endCaseloadsOfArea(tx, nhsNumber, before.area, FEED, now))) await start(subject, 'handover', until);
    }
    c.factChanged('child', nhsNumber);
    c.audit({ kind: 'fact', actor: actorOf(by.principal), child: nhsNumber, requestId: by.requestId, details: { entity: 'child', ...change } });
    return change;
  });
  return { ...change, consistencyToken: consistencyToken! };
}
