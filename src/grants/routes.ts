/** Grants by safeguarding leads (create, revoke, list) and self-claimed relationships. */
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { z } from '../http/zod.ts';
import { instant, nhsNumber, purpose, section } from '../http/schemas.ts';
import { actorOf } from '../trail/actor.ts';
import { relationshipOutput } from '../feeds/relationships.ts';
import { createGrant } from './create.ts';
import { revokeGrant } from './revoke.ts';
import { listGrants } from './list.ts';
import { leadAreas } from './lead-area.ts';
import { selfClaim } from './self-claim.ts';
import { grantSchema } from './view.ts';

const grantee = z.string().regex(/^(user|team):[A-Za-z0-9._:-]{1,100}$/, 'must be user:<id> or team:<id>');
const reason = z.string().trim().min(1).max(2000);
const written = grantSchema.extend({ consistencyToken: z.string() });

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
      handler: async ({ body, services, principal, requestId }) => {
        const deps = { db: services.store, changes: services.changes, trail: services.audit, policy: services.policy.current, now: services.now };
        return { status: 201, body: await createGrant(deps, principal, body, requestId) };
      },
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
      operationId: 'listGrants', method: 'get', path: '/v1/grants', summary: 'Grants per child and per grantee (IG: all; safeguarding leads: children of their area)', tags: ['grants', 'ig'],
      auth: { capability: 'grants-read' },
      query: z.strictObject({
        child: nhsNumber.optional(),
        grantee: grantee.optional(),
        active: z.enum(['true', 'false']).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      responses: { 200: { description: 'Grants, newest first', schema: z.object({ grants: z.array(grantSchema) }) } },
      handler: async ({ query, services, principal, requestId }) => {
        const areas = services.policy.current.capability('grant', principal.role) ? leadAreas(principal) : null;
        const grants = await listGrants(services.store, areas, query, services.now());
        await services.audit.appendOne({ kind: 'audit-query', actor: actorOf(principal), child: query.child, requestId, details: { query: 'grants', filters: query, results: grants.length } });
        return { body: { grants } };
      },
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
