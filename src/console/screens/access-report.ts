/**
 * Child access report (GET /v1/audit/children/{nhsNumber}/access-report, capability `audit`): the NHS
 * number is POSTed, never put in a URL; the report comes from the same use case, which records the
 * query on the trail (with its view) exactly as the API call does. The parent-safe view's PDF stands for
 * GET .../access-report/pdf: POSTed too, sent as an attachment (the router's no-store applies).
 */
import express, { type Request } from 'express';
import { z } from 'zod';
import { nhsNumber } from '../../http/schemas.ts';
import { accessReport } from '../../ig/access-report.ts';
import { parentSafeReportPdf } from '../../ig/report-pdf.ts';
import { REPORT_VIEWS, type ReportView } from '../../ig/subject-access.ts';
import { askerOf, field, page, requireCapability, type FieldError, type Screen } from '../context.ts';

const DAY = 86_400_000;
const TITLE = 'Child access report';
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter a date like 2026-11-25').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'Enter a real date');

/** The form's fields, checked: the report's query, or the errors to show. */
function readForm(req: Request, withView: boolean) {
  const values = {
    nhsNumber: field(req, 'nhsNumber').replace(/\s+/g, ''), from: field(req, 'from').trim(), to: field(req, 'to').trim(),
    view: withView ? field(req, 'view') : 'parent-safe',
  };
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
  if (!(REPORT_VIEWS as readonly string[]).includes(values.view)) errors.push({ field: 'view', message: 'Select which report to show' });
  return { values, errors, from, to, view: values.view as ReportView };
}

const views_ = [
  { value: 'full', text: 'Full report, for information governance', hint: { text: 'Everyone who read the record, by name, with refused attempts.' } },
  { value: 'parent-safe', text: 'Parent-safe report, for a subject access request', hint: { text: 'Staff by role and organisation; leaves out what the subject-access policy withholds. Printable, and as a PDF.' } },
];

export function accessReportRoutes({ services, views }: Screen): express.Router {
  const router = express.Router();
  const show = (values: Record<string, string>) => ({ title: TITLE, values, viewItems: views_.map((v) => ({ ...v, checked: v.value === (values.view || 'full') })) });
  router.get('/access-report', (_req, res) => {
    requireCapability(services, res, 'audit');
    page(views, res, 'access-report.njk', show({}));
  });
  router.post('/access-report', async (req, res) => {
    requireCapability(services, res, 'audit');
    const { values, errors, from, to, view } = readForm(req, true);
    if (errors.length) return page(views, res, 'access-report.njk', { ...show(values), errors }, 400);
    const report = await accessReport({ db: services.store, trail: services.audit, now: services.now }, askerOf(res), values.nhsNumber, { from, to, format: 'json', view });
    page(views, res, 'access-report.njk', { ...show(values), report });
  });
  router.post('/access-report/pdf', async (req, res) => {
    requireCapability(services, res, 'audit');
    const { values, errors, from, to } = readForm(req, false);
    if (errors.length) return page(views, res, 'access-report.njk', { ...show(values), errors }, 400);
    const deps = { db: services.store, trail: services.audit, now: services.now, checkpoints: services.checkpointer };
    const out = await parentSafeReportPdf(deps, askerOf(res), values.nhsNumber, { from, to });
    res.status(200).type('application/pdf').attachment(out.filename).send(out.pdf);
  });
  return router;
}
