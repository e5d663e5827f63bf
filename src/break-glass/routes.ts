/** Break-glass: declare (clinical roles), and for IG the review queue, the review, and per-user rates. */
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { InvalidInput } from '../errors.ts';
import { z } from '../http/zod.ts';
import { instant, nhsNumber } from '../http/schemas.ts';
import { actorOf } from '../trail/actor.ts';
import { declareBreakGlass } from './declare.ts';
import { listBreakGlass } from './list.ts';
import { reviewBreakGlass } from './review.ts';
import { breakGlassStats } from './stats.ts';
import { breakGlassSchema } from './view.ts';

const REVIEW = { capability: 'review' } as const;
const DAY = 86_400_000;

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
      operationId: 'listBreakGlass', method: 'get', path: '/v1/break-glass', summary: 'IG: break-glass to review, with overdue flag and the reads made under each', tags: ['break-glass', 'ig'],
      auth: REVIEW,
      query: z.strictObject({
        status: z.enum(['pending-review', 'reviewed']).optional(),
        from: instant.optional(),
        to: instant.optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      responses: { 200: { description: 'Newest first', schema: z.object({ breakGlass: z.array(breakGlassSchema) }) } },
      handler: async ({ query, services, principal, requestId }) => {
        const days = services.policy.current.parameters.breakGlass.reviewOverdueDays;
        const breakGlass = await listBreakGlass(services.store, query, services.now(), days);
        await services.audit.appendOne({ kind: 'audit-query', actor: actorOf(principal), requestId, details: { query: 'break-glass', filters: query, results: breakGlass.length } });
        return { body: { breakGlass } };
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
      operationId: 'reviewBreakGlass', method: 'post', path: '/v1/break-glass/{id}/review', summary: 'IG: record the review of one break-glass (once)', tags: ['break-glass', 'ig'],
      auth: REVIEW,
      params: z.object({ id: z.string().uuid() }),
      body: z.strictObject({ outcome: z.enum(['appropriate', 'inappropriate', 'follow-up']), notes: z.string().trim().min(1).max(4000) }),
      responses: {
        200: { description: 'Reviewed', schema: breakGlassSchema.extend({ consistencyToken: z.string() }) },
        404: { description: 'No such break-glass' },
        403: { description: 'Not IG, or the reviewer declared this break-glass herself (separation of duties)' },
        409: { description: 'Already reviewed' },
      },
      handler: async ({ params, body, services, principal, requestId }) => ({
        body: await reviewBreakGlass({ changes: services.changes, trail: services.audit, policy: services.policy.current }, principal, params.id, body, requestId),
      }),
    }),
  ];
}
