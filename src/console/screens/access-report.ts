/**
 * Child access report (GET /v1/audit/children/{nhsNumber}/access-report, capability `audit`): the NHS
 * number is POSTed, never put in a URL; the report comes from the same use case, which records the
 * query on the trail exactly as the API call does.
 */
import express from 'express';
import { z } from 'zod';
import { nhsNumber } from '../../http/schemas.ts';
import { accessReport } from '../../ig/access-report.ts';
import { askerOf, field, page, requireCapability, type FieldError, type Screen } from '../context.ts';

const DAY = 86_400_000;
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter a date like 2026-11-25').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'Enter a real date');

export function accessReportRoutes({ services, views }: Screen): express.Router {
  const router = express.Router();
  router.get('/access-report', (_req, res) => {
    requireCapability(services, res, 'audit');
    page(views, res, 'access-report.njk', { title: 'Child access report', values: {} });
  });
  router.post('/access-report', async (req, res) => {
    requireCapability(services, res, 'audit');
    const values = { nhsNumber: field(req, 'nhsNumber').replace(/\s+/g, ''), from: field(req, 'from').trim(), to: field(req, 'to').trim() };
    const errors: FieldError[] = [];
    if (!nhsNumber.safeParse(values.nhsNumber).success) errors.push({ field: 'nhsNumber', message: 'Enter a valid 10-digit NHS number' });
    for (const name of ['from', 'to'] as const) {
      const r = values[name] ? date.safeParse(values[name]) : undefined;
      if (r && !r.success) errors.push({ field: name, message: `${name === 'from' ? 'From' : 'To'}: ${r.error.issues[0].message}` });
    }
    // "to" is inclusive on the page: the report runs to the start of the next day.
    const from = values.from && !errors.some((e) => e.field === 'from') ? `${values.from}T00:00:00.000Z` : undefined;
    const to = values.to && !errors.some((e) => e.field === 'to') ? new Date(Date.parse(`${values.to}T00:00:00Z`) + DAY).toISOString() : undefined;
    if (from && to && from >= to) errors.push({ field: 'to', message: 'To must be on or after from' });
    if (errors.length) return page(views, res, 'access-report.njk', { title: 'Child access report', values, errors }, 400);
    const report = await accessReport({ db: services.store, trail: services.audit, now: services.now }, askerOf(res), values.nhsNumber, { from, to, format: 'json' });
    page(views, res, 'access-report.njk', { title: 'Child access report', values, report });
  });
  return router;
}
