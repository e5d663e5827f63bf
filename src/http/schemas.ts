/** Shared request schemas: NHS numbers, vocabularies, subjects, times. */
import { z } from './zod.ts';
import { isValidNhsNumber } from '../population/nhs.ts';
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

/**
 * Every date and time the API accepts lies in 1900-01-01 .. 2100-12-31 (UTC) and is a real calendar
 * date (zod's ISO formats reject 2021-02-29): nothing else reaches SQL, so year 0000 is a 400 naming
 * the field, never a 500 from the database.
 */
export const EARLIEST = '1900-01-01';
export const LATEST = '2100-12-31';
const RANGE = `must be between ${EARLIEST} and ${LATEST}`;
const FIRST_MS = Date.parse(`${EARLIEST}T00:00:00Z`);
const LAST_MS = Date.parse(`${LATEST}T23:59:59.999Z`);
const inRange = (ms: number) => Number.isFinite(ms) && ms >= FIRST_MS && ms <= LAST_MS;

export const instant = z.iso.datetime({ offset: true }).refine((v) => inRange(Date.parse(v)), RANGE).openapi({ example: '2026-11-25T09:00:00Z' });
export const date = z.iso.date().refine((v) => v >= EARLIEST && v <= LATEST, RANGE).openapi({ example: '2022-04-01' });
export const id = z.string().min(1).max(100).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits, . _ : - only');
export const subject = z
  .string()
  .regex(/^(user|team|org|school):[A-Za-z0-9._-]{1,100}$/, 'must be user:<id>, team:<id>, org:<code> or school:<urn>');
export const reasonText = z.string().trim().min(1).max(2000);
export const consistencyToken = z.string().regex(/^ct1\.\d+$/, 'not a consistency token').openapi({ example: 'ct1.4711' });

