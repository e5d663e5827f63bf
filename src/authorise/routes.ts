/** POST /v1/authorise, /v1/authorise:batch and the IG officers' /v1/authorise:explain. */
import { checkItem, defineRoute, itemProblem, type AnyRoute } from '../http/route.ts';
import type { Cis2Claims } from '../identity/claims.ts';
import { InvalidInput } from '../errors.ts';
import { z } from '../http/zod.ts';
import { id, nhsNumber, purpose, section } from '../http/schemas.ts';
import { authoriseEach, authoriseMany, type AuthoriseDeps } from './authorise.ts';
import { authoriseRequest, authoriseResponse, batchRequest, batchResponse } from './request.ts';
import { explain, explainResponse } from './explain.ts';

/** A batch, one item at a time: invalid items answer with a problem in their slot, the rest are decided. */
async function authoriseItems(services: AuthoriseDeps, claims: Cis2Claims, items: unknown[], requestId: string) {
  const checked = items.map((item, i) => checkItem(authoriseRequest, item, `body.requests.${i}`));
  const valid = checked.flatMap((c, i) => (c.ok ? [{ i, request: c.value }] : []));
  const decided = await authoriseEach(services, claims, valid.map((v) => v.request), requestId);
  const results: unknown[] = checked.map((c) => (c.ok ? undefined : { problem: itemProblem(c.errors) }));
  valid.forEach(({ i }, k) => {
    const d = decided[k];
    results[i] = d instanceof InvalidInput
      ? { problem: itemProblem(d.errors.map((e) => ({ ...e, field: e.field.replace(/^body/, `body.requests.${i}`) }))) }
      : d;
  });
  return results;
}

export function authoriseRoutes(): AnyRoute[] {
  return [
    defineRoute({
      operationId: 'authorise', method: 'post', path: '/v1/authorise', summary: 'Authorise before read: may this user read these sections of this child now?', tags: ['authorise'],
      examples: {treat: {summary: 'A health visitor opens two sections', value: {child: '9434765919', sections: ['immunisations', 'health-visiting'], action: 'read', purposeOfUse: 'TREAT'}}, afterGrant: {summary: 'Decide on facts at least as fresh as a write', value: {child: '9434765919', sections: ['safeguarding'], action: 'read', purposeOfUse: 'TREAT', atLeast: 'ct1.42'}}, breakGlass: {summary: 'Read under a declared break-glass', value: {child: '9434765919', sections: ['safeguarding'], action: 'read', purposeOfUse: 'BTG', breakGlassId: '3f2b8c1e-5d4a-4b7e-9c61-0a2f4e8d9b13'}}},
      description: 'Always 200 once the request is valid and every section decision is durably on the audit trail. Deny reasons are coarse: an unknown child, a sealed record and no relationship look alike.',
      auth: 'token', body: authoriseRequest,
      responses: { 200: { description: 'One decision per section', schema: authoriseResponse } },
      handler: async ({ body, claims, services, requestId }) => ({ body: (await authoriseMany(services, claims, [body], requestId))[0] }),
    }),
    defineRoute({
      operationId: 'authoriseBatch', method: 'post', path: '/v1/authorise:batch', summary: 'Up to 100 authorise requests at once, answered in order', tags: ['authorise'],
      examples: {clinicList: {summary: 'A clinic list: one request per child', value: {requests: [{child: '9434765919', sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT'}, {child: '9434765927', sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT'}]}}},
      auth: 'token', body: batchRequest,
      responses: { 200: { description: 'Results in request order', schema: batchResponse } },
      description: 'Each item is checked on its own: an invalid item gets `{ "problem": { "status": 400, "errors": [...] } }` in its slot (nothing decided or audited for it) and the others are decided and audited as normal. The whole batch is 400 only when the envelope is wrong.',
      handler: async ({ body, claims, services, requestId }) => ({ body: { results: await authoriseItems(services, claims, body.requests, requestId) } }),
    }),
    defineRoute({
      operationId: 'explainDecision', method: 'post', path: '/v1/authorise:explain', summary: 'IG: explain or try what a named user would be decided, with every rule and fact', tags: ['authorise', 'ig'],
      description: 'For information-governance officers only. The named user is taken as fed (organisation, teams); give the CIS2 access-role code they would select. Audited like every decision.',
      auth: { capability: 'explain' },
      body: z.strictObject({
        user: id,
        roleCode: z.string().regex(/^[A-Z0-9:]+$/).openapi({ example: 'S8000:G8000:R8001' }),
        activities: z.array(z.string()).optional(),
        child: nhsNumber,
        sections: z.array(section).min(1).max(7),
        purposeOfUse: purpose,
        breakGlassId: z.string().uuid().optional(),
      }),
      responses: { 200: { description: 'Decision and explanation per section', schema: explainResponse }, 404: { description: 'Unknown user' } },
      handler: async ({ body, principal, services, requestId }) => ({ body: await explain(services.views, principal, body, requestId) }),
    }),
  ];
}
