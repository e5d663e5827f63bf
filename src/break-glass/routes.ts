/**
 * Break-glass: declare (clinical roles); for IG the review queue, one break-glass, the review, closing a
 * follow-up, and per-user rates; for safeguarding leads, read-only, the break-glass about their area's children.
 */
import { defineRoute, type AnyRoute, type HandlerContext } from '../http/route.ts';
import { InvalidInput } from '../errors.ts';
import { z } from '../http/zod.ts';
import { instant, nhsNumber } from '../http/schemas.ts';
import { actorOf } from '../trail/actor.ts';
import { resolvePrincipalFromStore } from '../identity/resolve.ts';
import { declareBreakGlass } from './declare.ts';
import { breakGlassScope, getBreakGlass, listBreakGlass, type BreakGlassDeps } from './list.ts';
import { reviewBreakGlass } from './review.ts';
import { FOLLOW_UP_OUTCOMES, closeBreakGlassFollowUp } from './follow-up.ts';
import { breakGlassStats } from './stats.ts';
import { breakGlassDetailSchema, breakGlassSchema } from './view.ts';

const REVIEW = { capability: 'review' } as const;
const DAY = 86_400_000;
const idParam = z.object({ id: z.string().uuid() });

/** IG (capability `review`) or a lead for her area (`break-glass-area`): the principal, its scope, and what the use cases read with. */
async function reader(ctx: HandlerContext<unknown, unknown, unknown>) {
  const { services, claims, requestId } = ctx;
  const principal = await resolvePrincipalFromStore(services, claims);
  const scope = breakGlassScope(principal, services.policy.current);
  const deps: BreakGlassDeps = { db: services.store, trail: services.audit, policy: services.policy.current, now: services.now() };
  return { scope, deps, who: { actor: actorOf(principal), requestId } };
}

export function breakGlassRoutes(): AnyRoute[] {
  return [
    defineRoute({
      operationId: 'declareBreakGlass', method: 'post', path: '/v1/break-glass', summary: 'Declare a break-glass for one child: coded reason, free text, short duration', tags: ['break-glass'],
      examples: {emergency: {summary: 'Emergency treatment in the emergency department', value: {child: '9434765919', reasonCode: 'EMERGENCY_TREATMENT', reason: 'Unconscious on arrival; allergy history needed', durationMinutes: 60}}},
      description: 'Then read with POST /v1/authorise, purposeOfUse BTG and this breakGlassId, until expiresAt. Every read is flagged; IG and the child\'s safeguarding team are alerted at once; every use is reviewed. An unknown NHS number gets the same 201. reasonCode is one of the policy\'s breakGlass.reasonCodes; durationMinutes defaults to breakGlass.defaultMinutes and may not exceed breakGlass.maxMinutes.',
      auth: { capability: 'break-glass' },
      body: z.strictObject({
        child: nhsNumber,
        reasonCode: z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/, 'a reason code such as EMERGENCY_TREATMENT').openapi({ example: 'EMERGENCY_TREATMENT' }),
        reason: z.string().trim().min(1).max(2000),
        durationMinutes: z.number().int().positive().optional(),
      }),
      responses: {
        201: {
          description: 'Declared',
          schema: z.object({
            id: z.string(), child: z.string(), reasonCode: z.string(), startedAt: z.string(), expiresAt: z.string(), durationMinutes: z.number(),
            flagged: z.boolean(), priorUnreviewed: z.number().int(), consistencyToken: z.string(),
          }).openapi('BreakGlassDeclared'),
        },
      },
      handler: async ({ body, services, principal, requestId }) => ({ status: 201, body: await declareBreakGlass(services.changes, services.policy.current, principal, body, requestId) }),
    }),
    defineRoute({
      operationId: 'listBreakGlass', method: 'get', path: '/v1/break-glass', summary: 'IG: break-glass to review, with overdue flag and the reads made under each; leads: their area\'s', tags: ['break-glass', 'ig'],
      description: 'IG officers (capability `review`) see every break-glass; safeguarding leads (`break-glass-area`) see, read-only, those about children of their area(s). followUp=open|closed keeps those reviewed with the outcome follow-up whose follow-up is open or closed; overdue=true keeps those pending review for longer than the policy\'s breakGlass.reviewOverdueDays. The listing is itself audited (audit-query).',
      auth: 'token',
      query: z.strictObject({
        status: z.enum(['pending-review', 'reviewed']).optional(),
        followUp: z.enum(['open', 'closed']).optional(),
        overdue: z.enum(['true']).optional(),
        from: instant.optional(),
        to: instant.optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      responses: {
        200: { description: 'Newest first', schema: z.object({ breakGlass: z.array(breakGlassSchema) }) },
        403: { description: 'Neither IG nor a safeguarding lead' },
      },
      handler: async (ctx) => {
        const { scope, deps, who } = await reader(ctx as HandlerContext<unknown, unknown, unknown>);
        return { body: { breakGlass: await listBreakGlass(deps, who, scope, ctx.query) } };
      },
    }),
    defineRoute({
      operationId: 'getBreakGlassStats', method: 'get', path: '/v1/break-glass/stats', summary: 'IG: break-glass counts and rates per user and per organisation', tags: ['break-glass', 'ig'],
      description: 'Window [from, to) by start time; defaults to the 30 days up to now.',
      auth: REVIEW,
      query: z.strictObject({ from: instant.optional(), to: instant.optional() }),
      responses: { 200: { description: 'Counts and rates', schema: z.object({ total: z.number().int() }).passthrough().openapi('BreakGlassStats') } },
      handler: async ({ query, services, principal, requestId }) => {
        const to = query.to ? new Date(query.to) : services.now();
        const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY);
        if (from.getTime() >= to.getTime()) throw new InvalidInput({ field: 'query.from', message: 'must be before to' });
        const stats = await breakGlassStats(services.store, from, to);
        await services.audit.appendOne({ kind: 'audit-query', actor: actorOf(principal), requestId, details: { query: 'break-glass-stats', from: stats.from, to: stats.to, results: stats.total } });
        return { body: stats };
      },
    }),
    defineRoute({
      operationId: 'getBreakGlass', method: 'get', path: '/v1/break-glass/{id}', summary: 'One break-glass: the declaration, every section decision asked under it, its review and follow-up', tags: ['break-glass', 'ig'],
      description: 'IG officers see any break-glass; safeguarding leads only those about children of their area (another is 404, as an unknown id). Audited (audit-query).',
      auth: 'token',
      params: idParam,
      responses: {
        200: { description: 'The break-glass', schema: breakGlassDetailSchema },
        403: { description: 'Neither IG nor a safeguarding lead' },
        404: { description: 'No such break-glass (in your scope)' },
      },
      handler: async (ctx) => {
        const { scope, deps, who } = await reader(ctx as HandlerContext<unknown, unknown, unknown>);
        return { body: await getBreakGlass(deps, who, scope, ctx.params.id) };
      },
    }),
    defineRoute({
      operationId: 'reviewBreakGlass', method: 'post', path: '/v1/break-glass/{id}/review', summary: 'IG: record the review of one break-glass (once)', tags: ['break-glass', 'ig'],
      description: 'The outcome follow-up opens a follow-up (followUp: what is to be done; the notes when absent), listed with followUp=open until closed with POST /v1/break-glass/{id}/follow-up:close.',
      examples: {
        appropriate: { summary: 'The emergency justified the access', value: { outcome: 'appropriate', notes: 'ED notes confirm the child was unconscious on arrival.' } },
        followUp: { summary: 'More is needed before a conclusion', value: { outcome: 'follow-up', notes: 'No emergency recorded in the ED notes yet.', followUp: 'Ask the ED consultant to confirm the attendance.' } },
      },
      auth: REVIEW,
      params: idParam,
      body: z.strictObject({
        outcome: z.enum(['appropriate', 'inappropriate', 'follow-up']), notes: z.string().trim().min(1).max(4000),
        followUp: z.string().trim().min(1).max(4000).optional().openapi({ description: 'What is to be done (outcome follow-up only)' }),
      }),
      responses: {
        200: { description: 'Reviewed', schema: breakGlassSchema.extend({ consistencyToken: z.string() }) },
        400: { description: 'A field is missing or not valid, or followUp given with another outcome' },
        404: { description: 'No such break-glass' },
        403: { description: 'Not IG, or the reviewer declared this break-glass herself (separation of duties)' },
        409: { description: 'Already reviewed' },
      },
      handler: async ({ params, body, services, principal, requestId }) => ({
        body: await reviewBreakGlass({ changes: services.changes, trail: services.audit, policy: services.policy.current }, principal, params.id, body, requestId),
      }),
    }),
    defineRoute({
      operationId: 'closeBreakGlassFollowUp', method: 'post', path: '/v1/break-glass/{id}/follow-up:close', summary: 'IG: close the open follow-up of a reviewed break-glass, with an outcome and a note', tags: ['break-glass', 'ig'],
      examples: { resolved: { summary: 'The follow-up found the access justified', value: { outcome: 'appropriate', note: 'ED consultant confirmed the attendance and the emergency.' } } },
      auth: REVIEW,
      params: idParam,
      body: z.strictObject({ outcome: z.enum(FOLLOW_UP_OUTCOMES), note: z.string().trim().min(1).max(4000) }),
      responses: {
        200: { description: 'The follow-up is closed', schema: breakGlassSchema.extend({ consistencyToken: z.string() }) },
        400: { description: 'A field is missing or not valid' },
        403: { description: 'Not IG, or the declarer herself (separation of duties)' },
        404: { description: 'No such break-glass' },
        409: { description: 'No open follow-up: never asked for, or already closed' },
      },
      handler: async ({ params, body, services, principal, requestId }) => ({
        body: await closeBreakGlassFollowUp({ changes: services.changes, trail: services.audit, policy: services.policy.current }, principal, params.id, body, requestId),
      }),
    }),
  ];
}
