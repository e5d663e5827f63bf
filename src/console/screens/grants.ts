/**
 * Grants for safeguarding leads: find the member of staff by name within her area (POST /v1/staff:search),
 * give access (POST /v1/grants), and the grants she gave (GET /v1/grants?grantor=me) with extend
 * (POST /v1/grants/{id}/extend) and revoke (DELETE /v1/grants/{id}). Every rule (area, sections the
 * grantee's role may see, maximum length, separation of duties) is the API's use case, audited as the
 * API call is; its field errors come back on the form. Names, NHS numbers and staff ids travel in POST
 * bodies only (the search text is carried in a hidden field so the choices can be shown again); the
 * grant ids in the extend and revoke form actions are opaque. A chosen staff id must be one the search
 * can find (of her area): anything else is a tampered form, 403, nothing written.
 */
import express, { type Response } from 'express';
import { id, nhsNumber } from '../../http/schemas.ts';
import { PURPOSES, SECTIONS } from '../../policy/vocabulary.ts';
import { createGrant } from '../../grants/create.ts';
import { extendGrant } from '../../grants/extend.ts';
import { revokeGrant } from '../../grants/revoke.ts';
import { listGrants } from '../../grants/list.ts';
import { DAY } from '../../grants/duration.ts';
import { MIN_NAME, searchStaff, staffOfLeadArea, type StaffView } from '../../grants/staff-search.ts';
import { displayNames } from '../../store/tables/display-names.ts';
import { InvalidInput, NotAllowed } from '../../errors.ts';
import type { Principal } from '../../identity/principal.ts';
import { field, page, requireCapability, type FieldError, type Screen } from '../context.ts';

const FIELD_OF: Record<string, string> = { 'body.child': 'child', 'body.grantee': 'grantee', 'body.sections': 'sections', 'body.purposeOfUse': 'purposeOfUse', 'body.reason': 'reason', 'body.expiresAt': 'days' };
/** The API's list call as the console makes it: GET /v1/grants?grantor=me. */
const MINE = { grantor: 'me', limit: 100 };
const DONE: Record<string, string> = { granted: 'Access granted.', extended: 'Grant extended.', revoked: 'Grant revoked.' };
const STATE = (g: { active: boolean; revokedAt: string | null }) =>
  g.revokedAt ? { text: 'Revoked', classes: 'nhsuk-tag--red' } : g.active ? { text: 'Active', classes: 'nhsuk-tag--green' } : { text: 'Expired', classes: 'nhsuk-tag--grey' };

interface PageState {
  values?: Record<string, unknown>;
  errors?: FieldError[];
  status?: number;
  done?: string;
}

const staffHint = (s: StaffView) => [s.teams.map((t) => t.name).join(', '), s.organisation.name ?? s.organisation.code, s.role].filter(Boolean).join(' · ');

export function grantRoutes({ services, views }: Screen): express.Router {
  const router = express.Router();
  const deps = () => ({ db: services.store, changes: services.changes, trail: services.audit, policy: services.policy.current, now: services.now });
  const requestId = (res: Response) => res.locals.requestId as string;

  /** The staff whose name contains the text searched (audited as POST /v1/staff:search is), or none when nothing was searched. */
  async function found(res: Response, principal: Principal, name: string): Promise<{ staff: StaffView[]; truncated: boolean } | undefined> {
    if (name.trim().length < MIN_NAME) return undefined;
    requireCapability(services, res, 'staff-search');
    return searchStaff(deps(), principal, { name }, requestId(res));
  }

  async function grantsPage(res: Response, { values = {}, errors = [], status = 200, done }: PageState) {
    const principal = requireCapability(services, res, 'grant');
    const search = await found(res, principal, String(values.staffName ?? ''));
    // Without choices on the page, "choose them" points at the search box.
    const shown = errors.map((e) => (e.field === 'grantee' && !search?.staff.length ? { ...e, field: 'staffName' } : e));
    const grants = await listGrants(deps(), principal, MINE, requestId(res));
    const ids = (kind: string) => grants.filter((g) => g.grantee.startsWith(`${kind}:`)).map((g) => g.grantee.slice(kind.length + 1));
    const names = await displayNames(services.store, { users: ids('user'), teams: ids('team'), orgs: [] });
    const chosen = (values.sections as string[] | undefined) ?? [];
    const maxDays = services.policy.current.parameters.grants.maxDays;
    page(views, res, 'grants.njk', {
      title: 'Grants', values, errors: shown, done, maxDays, search,
      staff: search?.staff.map((s) => ({ value: s.id, text: s.name, hint: { text: staffHint(s) }, checked: values.grantee === s.id })) ?? [],
      grants: grants.map((g) => ({ ...g, granteeName: names.get(g.grantee) ?? g.grantee, state: STATE(g) })),
      sections: SECTIONS.map((s) => ({ value: s, text: s, checked: chosen.includes(s) })),
      purposes: PURPOSES.filter((p) => p !== 'BTG').map((p) => ({ value: p, text: p, selected: p === (values.purposeOfUse ?? 'TREAT') })),
    }, status);
  }

  router.get('/grants', async (req, res) => grantsPage(res, { done: DONE[String(req.query.done)] }));

  router.post('/grants/find-staff', async (req, res) => {
    const staffName = field(req, 'staffName').trim();
    if (staffName.length < MIN_NAME) return grantsPage(res, { values: { staffName }, errors: [{ field: 'staffName', message: `Enter at least ${MIN_NAME} letters of their name` }], status: 400 });
    return grantsPage(res, { values: { staffName } });
  });

  router.post('/grants', async (req, res) => {
    const principal = requireCapability(services, res, 'grant');
    const body = req.body as Record<string, unknown>;
    const sections = (Array.isArray(body.sections) ? body.sections : [body.sections]).filter((s): s is string => typeof s === 'string');
    const values = {
      staffName: field(req, 'staffName').trim(), grantee: field(req, 'grantee'), child: field(req, 'child').replace(/\s+/g, ''), sections,
      purposeOfUse: field(req, 'purposeOfUse'), reason: field(req, 'reason').trim(), days: field(req, 'days').trim(),
    };
    // The choices were staff of her area: any other id did not come from this page.
    if (values.grantee && (!id.safeParse(values.grantee).success || !(await staffOfLeadArea(deps(), principal, values.grantee)))) {
      throw new NotAllowed('you may give access only to staff of your area, found by name on this page');
    }
    const maxDays = services.policy.current.parameters.grants.maxDays;
    const days = Number(values.days);
    const errors: FieldError[] = [];
    if (!values.grantee) errors.push({ field: 'grantee', message: 'Find the member of staff by name, then choose them' });
    if (!nhsNumber.safeParse(values.child).success) errors.push({ field: 'child', message: 'Enter a valid 10-digit NHS number' });
    if (!sections.length || sections.some((s) => !(SECTIONS as readonly string[]).includes(s))) errors.push({ field: 'sections', message: 'Select the sections they may read' });
    if (!(PURPOSES as readonly string[]).includes(values.purposeOfUse) || values.purposeOfUse === 'BTG') errors.push({ field: 'purposeOfUse', message: 'Select the purpose' });
    if (!/^\d+$/.test(values.days) || days < 1 || days > maxDays) errors.push({ field: 'days', message: `Enter a number of days from 1 to ${maxDays}` });
    if (!values.reason) errors.push({ field: 'reason', message: 'Enter why they need access' });
    if (errors.length) return grantsPage(res, { values, errors, status: 400 });
    const input = {
      child: values.child, grantee: `user:${values.grantee}`, sections, purposeOfUse: values.purposeOfUse, reason: values.reason,
      expiresAt: new Date(services.now().getTime() + days * DAY).toISOString(),
    };
    try {
      await createGrant(deps(), principal, input, requestId(res));
    } catch (err) {
      if (err instanceof InvalidInput) return grantsPage(res, { values, errors: err.errors.map((e) => ({ field: FIELD_OF[e.field] ?? 'child', message: e.message })), status: 400 });
      // Separation of duties (audited by the use case): said on the form, where she chose the person.
      if (err instanceof NotAllowed) return grantsPage(res, { values, errors: [{ field: 'grantee', message: err.message }], status: 403 });
      throw err;
    }
    res.redirect(303, '/console/grants?done=granted');
  });

  router.post('/grants/:id/extend', async (req, res) => {
    const principal = requireCapability(services, res, 'grant');
    const grantId = req.params.id;
    const values = { [`days-${grantId}`]: field(req, 'days').trim(), [`extendReason-${grantId}`]: field(req, 'reason').trim() };
    const maxDays = services.policy.current.parameters.grants.maxDays;
    const days = Number(values[`days-${grantId}`]);
    const reason = values[`extendReason-${grantId}`];
    const errors: FieldError[] = [];
    if (!/^\d+$/.test(values[`days-${grantId}`]) || days < 1 || days > maxDays) errors.push({ field: `days-${grantId}`, message: `Enter a number of days from 1 to ${maxDays} to add` });
    if (!reason) errors.push({ field: `extendReason-${grantId}`, message: 'Enter why the grant needs longer' });
    if (errors.length) return grantsPage(res, { values, errors, status: 400 });
    try {
      // Not found (404), another area's grant (403), revoked or expired (409): the error page; nothing changed.
      await extendGrant(deps(), principal, grantId, { days, reason }, requestId(res));
    } catch (err) {
      if (!(err instanceof InvalidInput)) throw err;
      const at = (f: string) => (f === 'body.reason' ? `extendReason-${grantId}` : `days-${grantId}`);
      return grantsPage(res, { values, errors: err.errors.map((e) => ({ field: at(e.field), message: e.message })), status: 400 });
    }
    res.redirect(303, '/console/grants?done=extended');
  });

  router.post('/grants/:id/revoke', async (req, res) => {
    const principal = requireCapability(services, res, 'grant');
    const grantId = req.params.id;
    const at = `revokeReason-${grantId}`;
    const reason = field(req, 'reason').trim();
    if (!reason) return grantsPage(res, { errors: [{ field: at, message: 'Enter why you are revoking the grant' }], status: 400 });
    try {
      await revokeGrant(services.changes, services.policy.current, principal, grantId, reason, requestId(res));
    } catch (err) {
      if (!(err instanceof InvalidInput)) throw err;
      return grantsPage(res, { values: { [at]: reason }, errors: err.errors.map((e) => ({ field: at, message: e.message })), status: 400 });
    }
    res.redirect(303, '/console/grants?done=revoked');
  });
  return router;
}
