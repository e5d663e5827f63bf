/**
 * Who can see this child (GET /v1/children/{nhsNumber}/exposure) and a user's reach (GET
 * /v1/users/{userId}/reach), capability `exposure`: both asked by POST (no NHS number in a URL),
 * answered by the API's use cases, and audited exactly as those calls are.
 */
import express from 'express';
import { id, nhsNumber } from '../../http/schemas.ts';
import { exposureOf } from '../../exposure/exposure.ts';
import { reachOf } from '../../exposure/reach.ts';
import { NotFound } from '../../errors.ts';
import { askerOf, field, page, requireCapability, type FieldError, type Screen } from '../context.ts';

export function exposureRoutes({ services, views }: Screen): express.Router {
  const router = express.Router();
  const title = 'Who can see a child, and a user\'s reach';
  router.get('/exposure', (_req, res) => {
    requireCapability(services, res, 'exposure');
    page(views, res, 'exposure.njk', { title, values: {} });
  });
  router.post('/exposure', async (req, res) => {
    requireCapability(services, res, 'exposure');
    const values = { nhsNumber: field(req, 'nhsNumber').replace(/\s+/g, ''), userId: field(req, 'userId').trim() };
    if (field(req, 'ask') === 'reach') {
      const errors: FieldError[] = id.safeParse(values.userId).success ? [] : [{ field: 'userId', message: 'Enter the user\'s staff id' }];
      if (errors.length) return page(views, res, 'exposure.njk', { title, values, errors }, 400);
      let reach;
      try {
        reach = await reachOf(services.views, askerOf(res), values.userId);
      } catch (err) {
        if (!(err instanceof NotFound)) throw err;
        return page(views, res, 'exposure.njk', { title, values, errors: [{ field: 'userId', message: 'No member of staff with this id has been fed or seen' }] }, 404);
      }
      return page(views, res, 'exposure.njk', { title, values, reach, reachBases: Object.entries(reach.byBasis ?? {}) });
    }
    if (!nhsNumber.safeParse(values.nhsNumber).success) {
      return page(views, res, 'exposure.njk', { title, values, errors: [{ field: 'nhsNumber', message: 'Enter a valid 10-digit NHS number' }] }, 400);
    }
    const report = await exposureOf(services.views, askerOf(res), values.nhsNumber);
    page(views, res, 'exposure.njk', { title, values, report, sections: Object.entries(report.sections).map(([name, s]) => ({ name, ...s })) });
  });
  return router;
}
