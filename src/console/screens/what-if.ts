/**
 * What-if (POST /v1/authorise:explain, capability `explain`): the decision a named user would get for
 * one child and section, with every rule that answered. The same use case, audited as the API call is
 * (decision events of kind explain, by this officer). The role is chosen from the policy's role mapping.
 */
import express from 'express';
import { id, nhsNumber } from '../../http/schemas.ts';
import { PURPOSES, SECTIONS } from '../../policy/vocabulary.ts';
import { explain } from '../../authorise/explain.ts';
import { roleCodeFor } from '../../identity/demo-tokens.ts';
import { NotFound, RateLimited } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { field, page, requireCapability, who, type FieldError, type Screen } from '../context.ts';

/** One CIS2 role code per product role the mapping knows (the code a demo token carries for it). */
function roleChoices(services: Services) {
  const mapping = services.policy.current.roles;
  return [...new Set(mapping.rules.map((r) => r.role))].map((role) => ({ value: roleCodeFor(mapping, role), text: `${role} (${roleCodeFor(mapping, role)})` }));
}

export function whatIfRoutes({ services, views }: Screen): express.Router {
  const router = express.Router();
  const title = 'What if: explain a decision';
  const render = (res: express.Response, values: Record<string, string>, extra: Record<string, unknown> = {}, status = 200) => page(views, res, 'what-if.njk', {
    title, values, ...extra,
    roles: roleChoices(services).map((r) => ({ ...r, selected: r.value === values.roleCode })),
    sections: SECTIONS.map((s) => ({ value: s, text: s, selected: s === values.section })),
    purposes: PURPOSES.map((p) => ({ value: p, text: p, selected: p === (values.purposeOfUse || 'TREAT') })),
  }, status);

  router.get('/what-if', (_req, res) => {
    requireCapability(services, res, 'explain');
    render(res, {});
  });
  router.post('/what-if', async (req, res) => {
    const principal = requireCapability(services, res, 'explain');
    const values = {
      user: field(req, 'user').trim(), roleCode: field(req, 'roleCode'), child: field(req, 'child').replace(/\s+/g, ''),
      section: field(req, 'section'), purposeOfUse: field(req, 'purposeOfUse'),
    };
    const errors: FieldError[] = [];
    if (!id.safeParse(values.user).success) errors.push({ field: 'user', message: 'Enter the staff id of the user' });
    if (!roleChoices(services).some((r) => r.value === values.roleCode)) errors.push({ field: 'roleCode', message: 'Select the role they would work in' });
    if (!nhsNumber.safeParse(values.child).success) errors.push({ field: 'child', message: 'Enter a valid 10-digit NHS number' });
    if (!(SECTIONS as readonly string[]).includes(values.section)) errors.push({ field: 'section', message: 'Select a section of the record' });
    if (!(PURPOSES as readonly string[]).includes(values.purposeOfUse) || values.purposeOfUse === 'BTG') errors.push({ field: 'purposeOfUse', message: 'Select a purpose (break-glass is explained through the API, with its id)' });
    if (errors.length) return render(res, values, { errors }, 400);
    try {
      // The same per-user bucket as POST /v1/authorise:explain: the console is not a way round it.
      await services.limiter.take('explain', who(res).session.claims!.sub, 'explanations by this user');
      const result = await explain(services.views, principal, { ...values, sections: [values.section] }, res.locals.requestId as string);
      render(res, values, { result });
    } catch (err) {
      if (err instanceof RateLimited) {
        res.setHeader('Retry-After', String(err.retryAfterSeconds));
        return render(res, values, { errors: [{ field: '', message: `You have asked for more explanations this minute than the service allows. Wait ${err.retryAfterSeconds} seconds and try again: what you entered is kept.` }] }, 429);
      }
      if (!(err instanceof NotFound)) throw err;
      render(res, values, { errors: [{ field: 'user', message: 'No member of staff with this id has been fed' }] }, 404);
    }
  });
  return router;
}
