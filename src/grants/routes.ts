/** Grants by safeguarding leads (find staff, create, extend, revoke, list) and self-claimed relationships. */
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { z } from '../http/zod.ts';
import { id, instant, nhsNumber, purpose, section } from '../http/schemas.ts';
import type { Services } from '../services.ts';
import { relationshipOutput } from '../feeds/relationships.ts';
import { createGrant } from './create.ts';
import { extendGrant } from './extend.ts';
import { revokeGrant } from './revoke.ts';
import { listGrants } from './list.ts';
import { DEFAULT_RESULTS, MAX_RESULTS, MIN_NAME, searchStaff } from './staff-search.ts';
import { selfClaim } from './self-claim.ts';
import { grantSchema } from './view.ts';

const grantee = z.string().regex(/^(user|team):[A-Za-z0-9._:-]{1,100}$/, 'must be user:<id> or team:<id>');
const reason = z.string().trim().min(1).max(2000);
/** As a list filter, also a bare user id (no colon) or `me`: both stand for user:<id>. */
const granteeFilter = z.string().regex(/^((user|team):[A-Za-z0-9._:-]{1,100}|[A-Za-z0-9._-]{1,100})$/, 'must be user:<id>, team:<id>, a user id or me')
  .openapi({ example: 'user:SN-0001' });
const written = grantSchema.extend({ consistencyToken: z.string() });

const staffMatch = z.object({
  id: z.string(), name: z.string(),
  organisation: z.object({ code: z.string(), name: z.string().nullable() }),
  teams: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string(), area: z.string() })),
  role: z.string().nullable().openapi({ description: 'The product role their teams or organisation decide (as exposure reports infer it); null when only the sign-in role would' }),
}).openapi('StaffMatch');

const grantDeps = (services: Services) => ({ db: services.store, changes: services.changes, trail: services.audit, policy: services.policy.current, now: services.now });

export function grantRoutes(): AnyRoute[] {
  return [
    defineRoute({
      operationId: 'createGrant', method: 'post', path: '/v1/grants', summary: 'Safeguarding lead: grant a user or team time-boxed access to sections of one child of your area', tags: ['grants'],
      examples: {conference: {summary: 'A safeguarding lead grants a school nurse the safeguarding section', value: {child: '9434765919', grantee: 'user:SN-0001', sections: ['safeguarding'], purposeOfUse: 'TREAT', reason: 'Child protection conference on Friday', expiresAt: '2027-03-12T17:00:00Z'}}},
      description: 'The child must live in the area of your safeguarding team (an unknown NHS number gets the same 400 as a child elsewhere). The sections must be within what the grantee\'s role may ever see; expiresAt must be in the future and within the policy maximum (grants.maxDays). Audited and alerted.',
      auth: { capability: 'grant' },
      body: z.strictObject({
        child: nhsNumber,
        grantee,
        sections: z.array(section).min(1).max(7).refine((s) => new Set(s).size === s.length, 'sections must not repeat'),
        purposeOfUse: purpose.refine((p) => p !== 'BTG', 'a grant cannot be for BTG: break-glass is declared by the reader'),
        reason,
        expiresAt: instant,
      }),
      responses: { 201: { description: 'Granted', schema: written } },
      handler: async ({ body, services, principal, requestId }) => ({ status: 201, body: await createGrant(grantDeps(services), principal, body, requestId) }),
    }),
    defineRoute({
      operationId: 'searchStaff', method: 'post', path: '/v1/staff:search', summary: 'Safeguarding lead: find staff of your area by (part of) a name, to grant them access', tags: ['grants', 'staff'],
      examples: { byName: { summary: 'Find the school nurse by part of her surname', value: { name: 'okafor' } } },
      description: `Lists staff whose name contains the text (case-insensitive, at least ${MIN_NAME} characters), only among staff of your safeguarding area(s): members of a team there, or staff in no team at an organisation there. Nobody outside your area is listed. A POST, so that names stay out of URLs (and proxy logs). At most limit (default ${DEFAULT_RESULTS}, up to ${MAX_RESULTS}) by name; truncated says when there were more. Audited (audit-query staff-search).`,
      auth: { capability: 'staff-search' },
      body: z.strictObject({
        name: z.string().trim().min(MIN_NAME).max(100),
        limit: z.number().int().min(1).max(MAX_RESULTS).optional(),
      }),
      responses: { 200: { description: 'Staff of your area whose name matches, by name', schema: z.object({ staff: z.array(staffMatch), truncated: z.boolean(), areas: z.array(z.string()) }) } },
      handler: async ({ body, services, principal, requestId }) => ({
        body: await searchStaff({ db: services.store, trail: services.audit, policy: services.policy.current }, principal, body, requestId),
      }),
    }),
    defineRoute({
      operationId: 'extendGrant', method: 'post', path: '/v1/grants/{id}/extend', summary: 'Safeguarding lead: move the end of a live grant later, with a reason', tags: ['grants'],
      examples: {
        byDays: { summary: 'A week more: the conference was postponed', value: { days: 7, reason: 'Conference postponed by a week' } },
        until: { summary: 'Until a given time', value: { until: '2027-03-19T17:00:00Z', reason: 'Conference postponed by a week' } },
      },
      description: 'Give until (the new end) or days (added to the current end). For a grant to a child of your area only (else 403); never beyond the policy maximum (grants.maxDays) from now, and only later than the current end (else 400). A revoked or expired grant is 409: grant again. Audited (grant-extend) and alerted like a grant.',
      auth: { capability: 'grant' },
      params: z.object({ id: z.string().uuid() }),
      body: z.strictObject({
        until: instant.optional(),
        days: z.number().int().min(1).max(3660).optional(),
        reason,
      }).refine((b) => (b.until === undefined) !== (b.days === undefined), { path: ['until'], message: 'give either until (the new end) or days (to add to the current end), not both' }),
      responses: { 200: { description: 'Extended', schema: written }, 404: { description: 'No such grant' }, 409: { description: 'The grant was revoked or has expired' } },
      handler: async ({ params, body, services, principal, requestId }) => ({ body: await extendGrant(grantDeps(services), principal, params.id, body, requestId) }),
    }),
    defineRoute({
      operationId: 'revokeGrant', method: 'delete', path: '/v1/grants/{id}', summary: 'Safeguarding lead: revoke a grant now, with a reason', tags: ['grants'],
      description: 'The next decision in any process sees the revocation; pass the returned consistencyToken as atLeast to be sure. 409 when the grant is already revoked or expired.',
      auth: { capability: 'grant' },
      params: z.object({ id: z.string().uuid() }),
      body: z.strictObject({ reason }),
      responses: { 200: { description: 'Revoked', schema: written }, 404: { description: 'No such grant' }, 409: { description: 'Already revoked or expired' } },
      handler: async ({ params, body, services, principal, requestId }) => ({
        body: await revokeGrant(services.changes, services.policy.current, principal, params.id, body.reason, requestId),
      }),
    }),
    defineRoute({
      operationId: 'listGrants', method: 'get', path: '/v1/grants', summary: 'Grants per child, grantee and grantor (IG: all; safeguarding leads: children of their area)', tags: ['grants', 'ig'],
      description: 'grantee: user:<id> or team:<id> (exact: a user\'s team grants are listed under the team), a bare user id or me; grantor: the user id of the granting lead, or me. Audited.',
      auth: { capability: 'grants-read' },
      query: z.strictObject({
        child: nhsNumber.optional(),
        grantee: granteeFilter.optional(),
        grantor: id.optional().openapi({ example: 'me' }),
        active: z.enum(['true', 'false']).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      responses: { 200: { description: 'Grants, newest first', schema: z.object({ grants: z.array(grantSchema) }) } },
      handler: async ({ query, services, principal, requestId }) => ({
        body: { grants: await listGrants({ db: services.store, trail: services.audit, policy: services.policy.current, now: services.now }, principal, query, requestId) },
      }),
    }),
    defineRoute({
      operationId: 'selfClaimRelationship', method: 'post', path: '/v1/relationships:self-claim', summary: 'Claim a short-lived relationship with a child yourself, with a reason (alerted to IG)', tags: ['relationships'],
      description: 'Creates a relationship of type self-claimed for the caller alone, valid for the policy\'s selfClaimHours. An unknown NHS number gets the same 201.',
      auth: { capability: 'self-claim' },
      body: z.strictObject({ child: nhsNumber, reason }),
      responses: { 201: { description: 'Claimed', schema: relationshipOutput } },
      handler: async ({ body, services, principal, requestId }) => {
        const rel = await selfClaim(services.changes, services.policy.current, principal, body, requestId);
        return { status: 201, headers: { Location: `/v1/relationships/${rel.id}` }, body: rel };
      },
    }),
  ];
}
