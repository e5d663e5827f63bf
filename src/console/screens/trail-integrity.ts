/**
 * Trail integrity (GET /v1/audit/integrity, capability `audit`): the figures in plain words, and the
 * downloads an IG officer hands to an independent verifier: an NDJSON export of a seq range, its
 * needtoknow-range/v1 sidecar, the published checkpoints (checkpoints.log framing) and the key set, each
 * through the IG use case its API route calls (so each is audited as that call is; the key set, public in
 * the API, is not). Downloads are POSTed forms (CSRF); a range is two numbers, never a child's identifier.
 */
import express, { type Response } from 'express';
import { trailIntegrity } from '../../ig/integrity.ts';
import { exportTrail } from '../../ig/export-trail.ts';
import { rangeProof } from '../../ig/range-proof.ts';
import { checkpointHistory } from '../../ig/checkpoints.ts';
import { NOTE_TERMINATOR } from '../../trail/publish.ts';
import { InvalidInput } from '../../errors.ts';
import { askerOf, field, page, requireCapability, type FieldError, type Screen } from '../context.ts';

const DOWNLOADS = ['ndjson', 'range', 'checkpoints', 'keys'] as const;

/** "3 minutes", "2 hours", "5 days": an age in plain words. */
function age(seconds: number): string {
  const unit = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (seconds < 120) return unit(seconds, 'second');
  if (seconds < 7200) return unit(Math.round(seconds / 60), 'minute');
  if (seconds < 172_800) return unit(Math.round(seconds / 3600), 'hour');
  return unit(Math.round(seconds / 86_400), 'day');
}

const seq = (v: string) => (/^\d{1,15}$/.test(v) ? Number(v) : undefined);

export function trailIntegrityRoutes({ services, views }: Screen): express.Router {
  const router = express.Router();

  async function integrityPage(res: Response, values: Record<string, string> = {}, errors: FieldError[] = [], status = 200) {
    requireCapability(services, res, 'audit');
    const { store: db, audit: trail, checkpointer: checkpoints, now } = services;
    const figures = await trailIntegrity({ db, checkpoints, trail, now }, askerOf(res));
    const end = figures.checkpoint?.treeSize ?? figures.head.treeSize;
    const fromSeq = values.fromSeq ?? '0';
    const toSeq = values.toSeq ?? String(end);
    page(views, res, 'trail-integrity.njk', {
      title: 'Trail integrity', f: figures, errors, fromSeq, toSeq,
      checkpointAge: figures.checkpoint ? age(figures.checkpoint.ageSeconds) : undefined,
      files: { events: `audit-export-${fromSeq}-${toSeq}.ndjson`, range: `audit-export-${fromSeq}-${toSeq}.range.json` },
    }, status);
  }

  router.get('/trail-integrity', async (_req, res) => integrityPage(res));

  router.post('/trail-integrity/download', async (req, res) => {
    requireCapability(services, res, 'audit');
    const what = field(req, 'what');
    const values = { fromSeq: field(req, 'fromSeq').trim(), toSeq: field(req, 'toSeq').trim() };
    const { store: db, audit: trail, checkpointer: checkpoints, tree, now } = services;
    const asker = askerOf(res);
    if (what === 'keys') {
      // As GET /v1/audit/keys (public, not audited).
      res.type('application/json').attachment('keys.json').send(JSON.stringify({ origin: checkpoints.logOrigin(), keys: services.keys.list() }, null, 2) + '\n');
      return;
    }
    if (what === 'checkpoints') {
      // As GET /v1/audit/checkpoints page by page (each page audited), framed as checkpoints.log.
      let out = '';
      for (let fromSize: number | null = 0; fromSize !== null;) {
        const pageOf: Awaited<ReturnType<typeof checkpointHistory>> = await checkpointHistory({ checkpoints, trail }, asker, { fromSize, limit: 1000 });
        for (const cp of pageOf.checkpoints) out += cp.note + NOTE_TERMINATOR;
        fromSize = pageOf.nextFromSize;
      }
      res.type('text/plain').attachment('checkpoints.log').send(out);
      return;
    }
    const errors: FieldError[] = [];
    const fromSeq = seq(values.fromSeq);
    const toSeq = seq(values.toSeq);
    if (!DOWNLOADS.includes(what as never)) errors.push({ field: 'fromSeq', message: 'Choose what to download' });
    if (fromSeq === undefined) errors.push({ field: 'fromSeq', message: 'Enter the first event number as a whole number, for example 0' });
    if (toSeq === undefined) errors.push({ field: 'toSeq', message: 'Enter the event number to stop before as a whole number' });
    else if (fromSeq !== undefined && toSeq !== undefined && fromSeq > toSeq) errors.push({ field: 'fromSeq', message: 'The first event number must not be greater than the one to stop before' });
    if (errors.length) return integrityPage(res, values, errors, 400);
    try {
      if (what === 'range') {
        const sidecar = await rangeProof({ db, tree, checkpoints, trail }, asker, { fromSeq, toSeq });
        res.type('application/json').attachment(`audit-export-${fromSeq}-${toSeq}.range.json`).send(JSON.stringify(sidecar, null, 2) + '\n');
        return;
      }
      const out = await exportTrail({ db, trail, now }, asker, { format: 'ndjson', fromSeq, toSeq });
      res.status(200).type(out.contentType).attachment(out.filename);
      for await (const chunk of out.chunks) {
        if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
      }
      res.end();
    } catch (err) {
      if (!(err instanceof InvalidInput) || res.headersSent) throw err;
      // The use cases' own checks (e.g. "the trail has 120 events"), in the form's words.
      const fieldErrors = err.errors.map((e) => ({
        field: e.field === 'query.toSeq' ? 'toSeq' : 'fromSeq',
        message: e.field === 'query.toSeq' ? `Enter an event number to stop before that is not beyond the trail (${e.message})` : `Check the range (${e.message})`,
      }));
      return integrityPage(res, values, fieldErrors, 400);
    }
  });
  return router;
}
