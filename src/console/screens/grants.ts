/**
 * Grants for safeguarding leads (POST /v1/grants, DELETE /v1/grants/{id}, GET /v1/grants): create,
 * list those for children of the lead's area, revoke. Every rule (area, sections the grantee's role may
 * see, maximum length, separation of duties) is the API's use case; its field errors come back on the
 * form. The API has no staff search yet, so the lead enters the grantee's staff id.
 */
import express, { type Response } from 'express';
import { id, nhsNumber } from '../../http/schemas.ts';
import { PURPOSES, SECTIONS } from '../../policy/vocabulary.ts';
import { createGrant } from '../../grants/create.ts';
import { revokeGrant } from '../../grants/revoke.ts';
import { listGrants } from '../../grants/list.ts';
import { leadAreas } from '../../grants/lead-area.ts';
import { actorOf } from '../../trail/actor.ts';
import { Conflict, InvalidInput, NotFound } from '../../errors.ts';
import { field, page, requireCapability, type FieldError, type Screen } from '../context.ts';

const DAY = 86_400_000;
const FIELD_OF: Record<string, string> = { 'body.child': 'child', 'body.grantee': 'grantee', 'body.sections': 'sections', 'body.purposeOfUse': 'purposeOfUse', 'body.reason': 'reason', 'body.expiresAt': 'days' };
const LIST = { active: 'true' as const, limit: 100 };

export function grantRoutes({ services, views }: Screen): express.Router {
  const router = express.Router();

  async function grantsPage(res: Response, values: Record<string, unknown> = {}, errors: FieldError[] = [], status = 200, done?: string) {
    const principal = requireCapability(services, res, 'grant');
    const grants = await listGrants(services.store, leadAreas(principal), LIST, services.now());
    // As GET /v1/grants?active=true is audited.
    await services.audit.appendOne({ kind: 'audit-query', actor: actorOf(principal), requestId: res.locals.requestId as string, details: { query: 'grants', filters: LIST, results: grants.length } });
    const chosen = (values.sections as string[] | undefined) ?? [];
    page(views, res, 'grants.njk', {
      title: 'Grants', grants, values, errors, done, maxDays: services.policy.current.parameters.grants.maxDays,
      sections: SECTIONS.map((s) => ({ value: s, text: s, checked: chosen.includes(s) })),
      purposes: PURPOSES.filter((p) => p !== 'BTG').map((p) => ({ value: p, text: p, selected: p === (values.purposeOfUse ?? 'TREAT') })),
    }, status);
  }

  router.get('/grants', async (req, res) => grantsPage(res, {}, [], 200, req.query.done === 'granted' ? 'Access granted.' : req.query.done === 'revoked' ? 'Grant revoked.' : undefined));

  router.post('/grants', async (req, res) => {
    const principal = requireCapability(services, res, 'grant');
    const body = req.body as Record<string, unknown>;
    const sections = (Array.isArray(body.sections) ? body.sections : [body.sections]).filter((s): s is string => typeof s === 'string');
    const values = {
      child: field(req, 'child').replace(/\s+/g, ''), grantee: field(req, 'grantee').trim(), sections,
      purposeOfUse: field(req, 'purposeOfUse'), reason: field(req, 'reason').trim(), days: field(req, 'days').trim(),
    };
    const maxDays = services.policy.current.parameters.grants.maxDays;
    const days = Number(values.days);
    const errors: FieldError[] = [];
    if (!nhsNumber.safeParse(values.child).success) errors.push({ field: 'child', message: 'Enter a valid 10-digit NHS number' });
    if (!id.safeParse(values.grantee).success) errors.push({ field: 'grantee', message: 'Enter the staff id of the person to give access to' });
    if (!sections.length || sections.some((s) => !(SECTIONS as readonly string[]).includes(s))) errors.push({ field: 'sections', message: 'Select the sections they may read' });
    if (!(PURPOSES as readonly string[]).includes(values.purposeOfUse) || values.purposeOfUse === 'BTG') errors.push({ field: 'purposeOfUse', message: 'Select the purpose' });
    if (!values.reason) errors.push({ field: 'reason', message: 'Enter why they need access' });
    if (!Number.isInteger(days) || days < 1 || days > maxDays) errors.push({ field: 'days', message: `Enter a number of days from 1 to ${maxDays}` });
    if (errors.length) return grantsPage(res, values, errors, 400);
    const input = {
      child: values.child, grantee: `user:${values.grantee}`, sections, purposeOfUse: values.purposeOfUse, reason: values.reason,
      expiresAt: new Date(services.now().getTime() + days * DAY).toISOString(),
    };
    try {
      await createGrant({ db: services.store, changes: services.changes, trail: services.audit, policy: services.policy.current, now: services.now }, principal, input, res.locals.requestId as string);
    } catch (err) {
      if (!(err instanceof InvalidInput)) throw err;
      return grantsPage(res, values, err.errors.map((e) => ({ field: FIELD_OF[e.field] ?? 'child', message: e.message })), 400);
    }
    res.redirect(303, '/console/grants?done=granted');
  });

  router.post('/grants/:id/revoke', async (req, res) => {
    const principal = requireCapability(services, res, 'grant');
    const reason = field(req, 'reason').trim();
    const grantId = req.params.id;
    if (!reason) return grantsPage(res, {}, [{ field: `reason-${grantId}`, message: 'Enter why you are revoking the grant' }], 400);
    try {
      await revokeGrant(services.changes, services.policy.current, principal, grantId, reason, res.locals.requestId as string);
    } catch (err) {
      if (err instanceof Conflict || err instanceof NotFound) return grantsPage(res, {}, [{ field: `reason-${grantId}`, message: err.message }], err instanceof Conflict ? 409 : 404);
      if (err instanceof InvalidInput) return grantsPage(res, {}, err.errors.map((e) => ({ field: `reason-${grantId}`, message: e.message })), 400);
      throw err;
    }
    res.redirect(303, '/console/grants?done=revoked');
  });
  return router;
}
