/**
 * Children from the feed. The child row carries the facts rules look at (age, area, seals, labels,
 * consent); GP registration and school enrolment are ALSO kept as relationships, so that every
 * decision goes through one mechanism with history: a change of practice or school ends the old
 * relationship and starts a new one. A move of area ends the old area's team caseloads and gives
 * those teams a read-only `handover` relationship for the policy's handover window.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../store/store.ts';
import { z } from '../http/zod.ts';
import { area, date, section } from '../http/schemas.ts';
import type { FactHasher } from './hash.ts';

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

interface Existing {
  area: string;
  gp_practice: string | null;
  school: string | null;
}

export interface ChildChange {
  created: boolean;
  changed: string[];
  relationshipsEnded: number;
  relationshipsStarted: number;
}

export async function upsertChild(
  tx: Queryable, nhsNumber: string, input: ChildInput, hasher: FactHasher, handoverDays: number, now: Date,
): Promise<ChildChange> {
  const before = (await tx.query<Existing>('select area, gp_practice, school from children where nhs_number = $1 for update', [nhsNumber])).rows[0];
  await tx.query(
    `insert into children (nhs_number, date_of_birth, area, gp_practice, school, family_name_hash, postcode_hash, sealed, restricted, labels, consent_withheld, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     on conflict (nhs_number) do update set date_of_birth = excluded.date_of_birth, area = excluded.area, gp_practice = excluded.gp_practice,
       school = excluded.school, family_name_hash = excluded.family_name_hash, postcode_hash = excluded.postcode_hash, sealed = excluded.sealed,
       restricted = excluded.restricted, labels = excluded.labels, consent_withheld = excluded.consent_withheld, updated_at = excluded.updated_at`,
    [
      nhsNumber, input.dateOfBirth, input.area, input.gpPractice, input.school ?? null,
      hasher.hash('family-name', input.familyName), hasher.hash('postcode', input.postcode),
      input.sealed ?? false, input.restricted ?? false, JSON.stringify(input.labels ?? {}), input.consentWithheld ?? [], now.toISOString(),
    ],
  );
  const change: ChildChange = { created: !before, changed: [], relationshipsEnded: 0, relationshipsStarted: 0 };
  const nowIso = now.toISOString();
  const end = async (where: string, params: unknown[]) => {
    const r = await tx.query(
      `update relationships set valid_to = $2::timestamptz, ended_at = $2::timestamptz, ended_by = 'child-feed'
        where child = $1 and (valid_to is null or valid_to > $2::timestamptz) and ${where} returning subject`,
      [nhsNumber, nowIso, ...params],
    );
    change.relationshipsEnded += r.rowCount;
    return r.rows as { subject: string }[];
  };
  const start = async (subject: string, type: string, validTo: string | null) => {
    await tx.query(
      `insert into relationships (id, child, subject, type, valid_from, valid_to, source, created_by) values ($1, $2, $3, $4, $5, $6, 'child-feed', 'child-feed')`,
      [randomUUID(), nhsNumber, subject, type, nowIso, validTo],
    );
    change.relationshipsStarted++;
  };

  if (before?.gp_practice !== input.gpPractice) {
    if (before) change.changed.push('gpPractice');
    await end(`type = 'gp-registration'`, []);
    await start(`org:${input.gpPractice}`, 'gp-registration', null);
  }
  if ((before?.school ?? null) !== (input.school ?? null)) {
    if (before) change.changed.push('school');
    await end(`type = 'school-enrolment'`, []);
    if (input.school) await start(`school:${input.school}`, 'school-enrolment', null);
  }
  if (before && before.area !== input.area) {
    change.changed.push('area');
    const ended = await end(`type = 'caseload' and subject in (select 'team:' || id from teams where area = $3)`, [before.area]);
    const until = new Date(now.getTime() + handoverDays * 86_400_000).toISOString();
    for (const { subject } of ended) await start(subject, 'handover', until);
  }
  return change;
}
