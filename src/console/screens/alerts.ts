/**
 * Alert inbox (GET /v1/alerts, capability `alerts`), audited as that call is. List only: the API has
 * no acknowledge use case yet, so the console offers none.
 */
import express from 'express';
import { listAlerts } from '../../alerts/list.ts';
import { actorOf } from '../../trail/actor.ts';
import { page, requireCapability, type Screen } from '../context.ts';

export function alertRoutes({ services, views }: Screen): express.Router {
  const router = express.Router();
  router.get('/alerts', async (_req, res) => {
    const principal = requireCapability(services, res, 'alerts');
    const query = { limit: 100 };
    const alerts = await listAlerts(services.store, query);
    // As the route does (src/alerts/routes.ts): the look at the alerts is on the trail.
    await services.audit.appendOne({ kind: 'audit-query', actor: actorOf(principal), requestId: res.locals.requestId as string, details: { query: 'alerts', filters: query, results: alerts.length } });
    page(views, res, 'alerts.njk', { title: 'Alerts', alerts });
  });
  return router;
}
