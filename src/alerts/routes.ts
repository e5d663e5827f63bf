/** GET /v1/alerts: the alerts outbox for IG officers (capability `alerts`), audited like every IG query. */
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { z } from '../http/zod.ts';
import { instant } from '../http/schemas.ts';
import { actorOf } from '../trail/actor.ts';
import { listAlerts } from './list.ts';
import { acknowledge } from './acknowledge.ts';
import { ALERT_KINDS } from '../store/tables/alerts.ts';

const alert = z.object({
  id: z.string(), kind: z.enum(ALERT_KINDS), child: z.string().nullable(), ref: z.string(),
  recipients: z.array(z.string()), status: z.enum(['pending', 'delivered', 'dead']), attempts: z.number().int(),
  webhooksAccepted: z.number().int(), nextAttemptAt: z.string().nullable(), lastError: z.string().nullable(),
  createdAt: z.string(), deliveredAt: z.string().nullable(),
  state: z.enum(['pending', 'acknowledged']), acknowledgedAt: z.string().nullable(), acknowledgedBy: z.string().nullable(), acknowledgeNote: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
}).openapi('Alert');

export function alertRoutes(): AnyRoute[] {
  return [
    defineRoute({
      operationId: 'listAlerts', method: 'get', path: '/v1/alerts', summary: 'IG: alerts raised by break-glass, self-claimed relationships and grants, with their delivery state', tags: ['ig', 'alerts'],
      description: 'Every alert is written to an outbox in the same transaction as what it reports, then delivered to NTK_ALERT_WEBHOOKS (signed, retried, dead-lettered). Newest first.',
      auth: { capability: 'alerts' },
      query: z.strictObject({
        status: z.enum(['pending', 'delivered', 'dead']).optional().openapi({ description: 'Delivery to webhooks' }),
        state: z.enum(['pending', 'acknowledged']).optional().openapi({ description: 'In the inbox: not yet acknowledged, or acknowledged' }),
        kind: z.enum(ALERT_KINDS).optional(),
        from: instant.optional(),
        to: instant.optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      responses: { 200: { description: 'Alerts, newest first', schema: z.object({ alerts: z.array(alert) }) } },
      handler: async ({ query, services, principal, requestId }) => {
        const alerts = await listAlerts(services, { actor: actorOf(principal), requestId }, query);
        return { body: { alerts } };
      },
    }),
    defineRoute({
      operationId: 'acknowledgeAlert', method: 'post', path: '/v1/alerts/{id}/acknowledge', summary: 'IG: acknowledge an alert in the inbox (once; audited)', tags: ['ig', 'alerts'],
      auth: { capability: 'alerts' },
      params: z.object({ id: z.string().uuid() }),
      body: z.strictObject({ note: z.string().trim().min(1).max(2000).optional() }),
      responses: { 200: { description: 'The alert, acknowledged', schema: alert }, 404: { description: 'No such alert' }, 409: { description: 'Already acknowledged' } },
      handler: async ({ params, body, services, principal, requestId }) => ({ body: await acknowledge(services.changes, principal, params.id, body.note, requestId) }),
    }),
  ];
}
