/**
 * Staff activity (GET /v1/audit/events?actor=&kind=decision&from=&to=, capability `audit`): what one
 * member of staff read and was refused in a period, in plain words. The staff id is POSTed, never put
 * in a URL, and so is the next page's cursor; the search is the API's use case, audited as it is.
 */
import express from 'express';
import { z } from 'zod';
import { id } from '../../http/schemas.ts';
import { searchQuery, searchTrail } from '../../ig/search.ts';
import { activityInWords } from '../../ig/activity-words.ts';
import { displayNames } from '../../store/tables/display-names.ts';
import { askerOf, field, page, requireCapability, type FieldError, type Screen } from '../context.ts';

const DAY = 86_400_000;
const PAGE = 50;
const TITLE = 'Staff activity';
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter a date like 2026-11-25').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'Enter a real date');

export function staffActivityRoutes({ services, views }: Screen): express.Router {
  const router = express.Router();
  router.get('/staff-activity', (_req, res) => {
    requireCapability(services, res, 'audit');
    page(views, res, 'staff-activity.njk', { title: TITLE, values: {} });
  });
  router.post('/staff-activity', async (req, res) => {
    requireCapability(services, res, 'audit');
    const values = { userId: field(req, 'userId').trim(), from: field(req, 'from').trim(), to: field(req, 'to').trim() };
    const cursor = field(req, 'cursor') || undefined;
    const pageNo = Math.max(1, Math.min(1_000_000, Number.parseInt(field(req, 'page'), 10) || 1));
    const errors: FieldError[] = [];
    if (!id.safeParse(values.userId).success) errors.push({ field: 'userId', message: 'Enter the staff id of the user' });
    for (const name of ['from', 'to'] as const) {
      if (!values[name]) errors.push({ field: name, message: `Enter the ${name === 'from' ? 'first' : 'last'} day of the period` });
      else {
        const r = date.safeParse(values[name]);
        if (!r.success) errors.push({ field: name, message: `${name === 'from' ? 'From' : 'To'}: ${r.error.issues[0].message}` });
      }
    }
    // "to" is inclusive on the page: the search runs to the start of the next day.
    const from = values.from && !errors.some((e) => e.field === 'from') ? `${values.from}T00:00:00.000Z` : undefined;
    const to = values.to && !errors.some((e) => e.field === 'to') ? new Date(Date.parse(`${values.to}T00:00:00Z`) + DAY).toISOString() : undefined;
    if (from && to && from >= to) errors.push({ field: 'to', message: 'To must be on or after from' });
    if (errors.length) return page(views, res, 'staff-activity.njk', { title: TITLE, values, errors }, 400);
    const query = searchQuery.safeParse({ actor: values.userId, kind: 'decision', from, to, limit: PAGE, cursor });
    if (!query.success) return page(views, res, 'staff-activity.njk', { title: TITLE, values, errors: [{ field: 'userId', message: 'This page of results could not be found: search again' }] }, 400);
    const found = await searchTrail({ db: services.store, trail: services.audit, cursors: services.cursors }, askerOf(res), query.data);
    const [rows, names] = await Promise.all([activityInWords(services.store, found.events), displayNames(services.store, { users: [values.userId], orgs: [], teams: [] })]);
    page(views, res, 'staff-activity.njk', {
      title: TITLE, values, rows, pageNo, nextCursor: found.nextCursor, staffName: names.get(`user:${values.userId}`) ?? null,
      refused: rows.filter((r) => r.decision !== 'permit').length, breakGlass: rows.filter((r) => r.breakGlass).length,
    });
  });
  return router;
}
