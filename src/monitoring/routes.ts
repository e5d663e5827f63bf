/** /v1/monitoring/cases: the cases privacy monitoring opened, for IG officers (and leads, for their area's household and break-glass cases). */
import { defineRoute, type AnyRoute, type HandlerContext } from '../http/route.ts';
import { z } from '../http/zod.ts';
import { id, instant } from '../http/schemas.ts';
import { actorOf } from '../trail/actor.ts';
import { resolvePrincipalFromStore } from '../identity/resolve.ts';
import { AuditedChanges } from '../change/audited-change.ts';
import { InvalidInput, NotAllowed } from '../errors.ts';
import { actOnCase, caseDetail, caseInScope, casesInScope, caseView, scopeOf, type CaseAction } from './cases.ts';
import { RULES } from './policy.ts';

const caseSchema = z.object({
  id: z.string(), rule: z.enum(RULES), severity: z.enum(['low', 'medium', 'high']), status: z.enum(['open', 'assigned', 'closed']),
  user: z.string(), child: z.string().nullable(), openedAt: z.string(), explanation: z.string(), evidence: z.array(z.string()),
}).openapi('MonitoringCase');
const detailSchema = caseSchema.extend({
  day: z.string(), assignee: z.string().nullable(), outcome: z.string().nullable(), closedAt: z.string().nullable(),
  proofs: z.array(z.object({ auditId: z.string(), href: z.string() })),
  notes: z.array(z.object({ author: z.string(), text: z.string(), at: z.string() })),
}).openapi('MonitoringCaseDetail');
const caseId = z.object({ id });
const TAGS = ['ig', 'monitoring'];

type Ctx = HandlerContext<unknown, unknown, unknown>;

async function principalAndScope({ services, claims }: Ctx) {
  const principal = await resolvePrincipalFromStore(services, claims);
  return { principal, scope: scopeOf(principal, services.policy.current) };
}

const encodeCursor = (openedAt: string, caseId: string) => Buffer.from(JSON.stringify([openedAt, caseId])).toString('base64url');
function decodeCursor(cursor: string): { openedAt: string; id: string } {
  try {
    const [openedAt, caseId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof openedAt === 'string' && typeof caseId === 'string' && !Number.isNaN(Date.parse(openedAt))) return { openedAt, id: caseId };
  } catch { /* fall through */ }
  throw new InvalidInput({ field: 'query.cursor', message: 'not a cursor this service issued' });
}

const ACTION_IDS: Record<string, string> = { assign: 'assignMonitoringCase', notes: 'addMonitoringCaseNote', close: 'closeMonitoringCase', reopen: 'reopenMonitoringCase' };

function action(path: string, summary: string, body: z.ZodType, toAction: (b: never) => CaseAction, igOnly: boolean): AnyRoute {
  return defineRoute({
    operationId: ACTION_IDS[path], method: 'post', path: `/v1/monitoring/cases/{id}/${path}`, summary, tags: TAGS, auth: 'token', params: caseId, body,
    responses: { 200: { description: 'The case after the action', schema: detailSchema }, 404: { description: 'No such case in your scope' }, 409: { description: 'Not possible in the case\'s state' } },
    handler: async (ctx) => {
      const { principal, scope } = await principalAndScope(ctx as Ctx);
      if (igOnly && scope.kind !== 'org') throw new NotAllowed('only IG officers may assign, close or reopen cases');
      const { services, params, requestId } = ctx;
      const changes = new AuditedChanges(services.store, services.audit, services.now);
      const c = await actOnCase(changes, scope, actorOf(principal), params.id, toAction(ctx.body as never), requestId);
      return { body: await caseDetail(services.store, c) };
    },
  });
}

export function monitoringRoutes(): AnyRoute[] {
  return [
    defineRoute({
      operationId: 'listMonitoringCases', method: 'get', path: '/v1/monitoring/cases', summary: 'IG: privacy monitoring cases, newest first', tags: TAGS, auth: 'token',
      description: 'IG officers (capability `monitoring`) see the cases about users of their organisation or children of its area; safeguarding leads (`monitoring-area`) see household and break-glass-household cases about children of their area. Keyset pagination with nextCursor.',
      query: z.strictObject({
        status: z.enum(['open', 'assigned', 'closed']).optional(), rule: z.enum(RULES).optional(), user: id.optional(),
        child: z.string().regex(/^\d{10}$/, 'must be 10 digits').optional(), from: instant.optional(), to: instant.optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(500).optional(),
      }),
      responses: { 200: { description: 'Cases', schema: z.object({ cases: z.array(caseSchema), nextCursor: z.string().nullable() }) } },
      handler: async (ctx) => {
        const { principal, scope } = await principalAndScope(ctx as Ctx);
        const { query, services, requestId } = ctx;
        const { cursor, ...filters } = query;
        const rows = await casesInScope(services, { actor: actorOf(principal), requestId }, scope, { ...filters, after: cursor ? decodeCursor(cursor) : undefined });
        const last = rows.length === query.limit ? rows[rows.length - 1] : undefined;
        return { body: { cases: rows.map(caseView), nextCursor: last ? encodeCursor(new Date(last.opened_at).toISOString(), last.id) : null } };
      },
    }),
    defineRoute({
      operationId: 'getMonitoringCase', method: 'get', path: '/v1/monitoring/cases/{id}', summary: 'IG: one case, with its evidence, proofs and notes', tags: TAGS, auth: 'token', params: caseId,
      responses: { 200: { description: 'The case', schema: detailSchema }, 404: { description: 'No such case in your scope' } },
      handler: async (ctx) => {
        const { principal, scope } = await principalAndScope(ctx as Ctx);
        const { services, params, requestId } = ctx;
        return { body: await caseInScope(services, { actor: actorOf(principal), requestId }, scope, params.id) };
      },
    }),
    action('assign', 'IG: assign a case to an IG officer', z.strictObject({ assignee: id }), (b: { assignee: string }) => ({ action: 'assign', assignee: b.assignee }), true),
    action('notes', 'IG: add a note to a case', z.strictObject({ text: z.string().trim().min(1).max(4000) }), (b: { text: string }) => ({ action: 'note', text: b.text }), false),
    action('close', 'IG: close a case with its outcome', z.strictObject({ outcome: z.enum(['appropriate', 'inappropriate', 'referred']), notes: z.string().trim().min(1).max(4000).optional() }),
      (b: { outcome: 'appropriate' | 'inappropriate' | 'referred'; notes?: string }) => ({ action: 'close', outcome: b.outcome, notes: b.notes }), true),
    action('reopen', 'IG: reopen a closed case', z.strictObject({}), () => ({ action: 'reopen' }), true),
  ];
}
