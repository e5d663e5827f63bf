/** Shared request schemas: NHS numbers, vocabularies, subjects, times. */
import { z } from './zod.ts';
import { isValidNhsNumber } from '../feeds/nhs-number.ts';
import { AREAS, ORG_KINDS, PURPOSES, RELATIONSHIP_TYPES, SECTIONS, TEAM_KINDS } from '../policy/vocabulary.ts';

export const nhsNumber = z
  .string()
  .refine(isValidNhsNumber, { message: 'must be a 10-digit NHS number with a valid modulus-11 check digit' })
  .openapi({ example: '9434765919', description: '10 digits, modulus-11 check digit' });

export const section = z.enum(SECTIONS);
export const purpose = z.enum(PURPOSES);
export const area = z.enum(AREAS);
export const teamKind = z.enum(TEAM_KINDS);
export const orgKind = z.enum(ORG_KINDS);
export const relationshipType = z.enum(RELATIONSHIP_TYPES);
export const instant = z.iso.datetime({ offset: true }).openapi({ example: '2026-11-25T09:00:00Z' });
export const date = z.iso.date().openapi({ example: '2022-04-01' });
export const id = z.string().min(1).max(100).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits, . _ : - only');
export const subject = z
  .string()
  .regex(/^(user|team|org|school):[A-Za-z0-9._-]{1,100}$/, 'must be user:<id>, team:<id>, org:<code> or school:<urn>');
export const reasonText = z.string().trim().min(1).max(2000);
export const consistencyToken = z.string().regex(/^ct1\.\d+$/, 'not a consistency token').openapi({ example: 'ct1.4711' });

export function tokenFor(seq: number): string {
  return `ct1.${seq}`;
}
export function seqOf(token: string): number {
  return Number(token.slice(4));
}
