/**
 * The parent-safe view of the access report, for a parent's subject access request: what it leaves out
 * is policy kept as data (policies/subject-access.json, its $comment says why), validated once at load,
 * so a broken file stops the service rather than producing an unsafe report.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { policiesDir } from '../policy/policy.ts';
import { PURPOSES, SECTIONS } from '../policy/vocabulary.ts';

export const REPORT_VIEWS = ['full', 'parent-safe'] as const;
export type ReportView = (typeof REPORT_VIEWS)[number];

const schema = z.strictObject({
  $comment: z.string().min(1),
  omitSections: z.array(z.enum(SECTIONS)),
  omitReadsByRoles: z.array(z.string().regex(/^[a-z-]{1,40}$/)),
  omitReadsOnBasis: z.array(z.enum(['relationship', 'grant', 'break-glass', 'override'])),
  omitPurposes: z.array(z.enum(PURPOSES)),
  showRefusedAttempts: z.boolean(),
  showStaffNames: z.boolean(),
  purposeWords: z.record(z.enum(PURPOSES), z.string().min(1)).refine((w) => PURPOSES.every((p) => p in w), 'needs words for every purpose of use'),
  notice: z.string().min(1),
});
export type SubjectAccessPolicy = z.infer<typeof schema>;

export function parseSubjectAccessPolicy(raw: unknown): SubjectAccessPolicy {
  return schema.parse(raw);
}

export function loadSubjectAccessPolicy(dir = policiesDir): SubjectAccessPolicy {
  return parseSubjectAccessPolicy(JSON.parse(readFileSync(path.join(dir, 'subject-access.json'), 'utf8')));
}

/** Loaded when the service's routes are, so an invalid file fails the start. */
export const subjectAccessPolicy = loadSubjectAccessPolicy();

/** What the policy looks at in one decision event. */
export interface ReadFacts {
  section?: string;
  role?: string;
  purpose?: string;
  basisKinds: string[];
}

/** True when the parent-safe view may show this (permitted) read. */
export function parentMaySee(e: ReadFacts, policy: SubjectAccessPolicy = subjectAccessPolicy): boolean {
  if (e.section && (policy.omitSections as string[]).includes(e.section)) return false;
  if (e.role && policy.omitReadsByRoles.includes(e.role)) return false;
  if (e.purpose && (policy.omitPurposes as string[]).includes(e.purpose)) return false;
  return !e.basisKinds.some((k) => (policy.omitReadsOnBasis as string[]).includes(k));
}

export function purposeInWords(purpose: string | null, policy: SubjectAccessPolicy = subjectAccessPolicy): string | null {
  return purpose ? (policy.purposeWords[purpose as keyof SubjectAccessPolicy['purposeWords']] ?? purpose) : null;
}
