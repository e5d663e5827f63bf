/**
 * The audit trail for IG officers: search, one event with its inclusion proof, a child's access
 * report, streaming exports, signed checkpoints and consistency proofs. Every call is itself appended
 * to the trail (who, filters, result count) before its results are returned (audit-query.ts). The
 * handlers pick from the services what each use case takes.
 */
import { defineRoute, type AnyRoute, type HandlerContext } from '../http/route.ts';
import { z } from '../http/zod.ts';
import { instant, nhsNumber } from '../http/schemas.ts';
import { actorOf } from '../trail/actor.ts';
import type { Asker } from './audit-query.ts';
import { searchQuery, searchTrail } from './search.ts';
import { accessReport, accessReportCsv, parentSafeCsv } from './access-report.ts';
import { REPORT_VIEWS } from './subject-access.ts';
import { parentSafeReportPdf } from './report-pdf.ts';
import { exportTrail } from './export-trail.ts';
import { eventWithProof } from './event-proof.ts';
import { checkpointHistory, consistency, latestCheckpoint } from './checkpoints.ts';
import { rangeProof } from './range-proof.ts';
import { trailIntegrity, integritySchema } from './integrity.ts';

const IG = { capability: 'audit' } as const;

const keySetSchema = z.object({
  origin: z.string(),
  keys: z.array(z.object({ keyId: z.string(), publicKey: z.string(), validFrom: z.string(), validTo: z.string().optional() })),
}).openapi('AuditKeySet');

const asker = (ctx: Pick<HandlerContext<unknown, unknown, unknown>, 'principal' | 'requestId'>): Asker => ({ actor: actorOf(ctx.principal), requestId: ctx.requestId });

const timeRange = z.strictObject({ from: instant.optional(), to: instant.optional() });
const seqParam = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const checkpointSchema = z.object({ treeSize: z.number(), rootHash: z.string(), timestamp: z.string(), signature: z.string(), keyId: z.string(), note: z.string() }).openapi('Checkpoint');

export function auditRoutes(): AnyRoute[] {
  return [
    defineRoute({
      operationId: 'searchAuditEvents', method: 'get', path: '/v1/audit/events', summary: 'IG: search the audit trail, newest first', tags: ['audit'], auth: IG,
      description: 'Keyset-paginated: pass nextCursor back as cursor with the same filters. A cursor is signed and bound to its filters.',
      query: searchQuery,
      responses: { 200: { description: 'A page of events', schema: z.object({ events: z.array(z.record(z.string(), z.unknown())), nextCursor: z.string().nullable() }) } },
      handler: async (ctx) => {
        const { store: db, audit: trail, cursors } = ctx.services;
        return { body: await searchTrail({ db, trail, cursors }, asker(ctx), ctx.query) };
      },
    }),
    defineRoute({
      operationId: 'getAuditEvent', method: 'get', path: '/v1/audit/events/{id}', summary: 'IG: one event, with its leaf hash and an inclusion proof against the latest checkpoint', tags: ['audit'], auth: IG,
      params: z.object({ id: z.string().uuid() }),
      responses: { 200: { description: 'The event and its proof', schema: z.object({ seq: z.number(), leafHash: z.string(), event: z.record(z.string(), z.unknown()) }).passthrough() }, 404: { description: 'No such event' } },
      handler: async (ctx) => {
        const { store: db, audit: trail, tree, checkpointer: checkpoints } = ctx.services;
        return { body: await eventWithProof({ db, tree, checkpoints, trail }, asker(ctx), ctx.params.id) };
      },
    }),
    defineRoute({
      operationId: 'getAccessReport', method: 'get', path: '/v1/audit/children/{nhsNumber}/access-report', summary: 'IG: who read which sections of this child, when, from where and why, in plain words', tags: ['audit'], auth: IG,
      description: 'JSON by default; format=csv gives one row per read. view=parent-safe gives the view for a parent\'s subject access request: '
        + 'what it leaves out is policy (policies/subject-access.json: safeguarding and confidential sections, reads by safeguarding leads, under grants or overrides '
        + 'or for legal purposes, refused attempts), and staff are named by role and organisation only. The call is audited with the view it produced. '
        + 'The same view as a PDF citing the signed checkpoint: getAccessReportPdf.',
      params: z.object({ nhsNumber }),
      query: timeRange.extend({ format: z.enum(['json', 'csv']).default('json'), view: z.enum(REPORT_VIEWS).default('full') }),
      responses: { 200: { description: 'The access report', schema: z.object({ child: z.string(), view: z.enum(REPORT_VIEWS), summary: z.record(z.string(), z.unknown()), reads: z.array(z.unknown()) }).passthrough() } },
      handler: async (ctx) => {
        const { store: db, audit: trail, now } = ctx.services;
        const report = await accessReport({ db, trail, now }, asker(ctx), ctx.params.nhsNumber, ctx.query);
        if (ctx.query.format === 'json') return { body: report };
        ctx.res.type('text/csv').attachment(`access-report-${ctx.params.nhsNumber}${report.view === 'parent-safe' ? '-parent-safe' : ''}.csv`);
        ctx.res.send(report.view === 'parent-safe' ? parentSafeCsv(report) : accessReportCsv(report));
        return undefined;
      },
    }),
    defineRoute({
      operationId: 'getAccessReportPdf', method: 'get', path: '/v1/audit/children/{nhsNumber}/access-report/pdf',
      summary: 'IG: the parent-safe access report as a PDF, citing the signed checkpoint that covers it', tags: ['audit'], auth: IG,
      description: 'The view=parent-safe report of getAccessReport, for a subject access request, with the newest signed checkpoint (origin, tree size, root hash, '
        + 'time, signature key id, the note itself) and how anyone can verify it (GET /v1/audit/keys, audit/verify.mjs). A read recorded after that checkpoint '
        + 'is marked as not yet covered. Sent as an attachment with Cache-Control: no-store; audited as an access-report query with view parent-safe and format pdf.',
      params: z.object({ nhsNumber }),
      query: timeRange,
      responses: { 200: { description: 'The PDF', schema: z.string().openapi({ format: 'binary' }), contentType: 'application/pdf' } },
      handler: async (ctx) => {
        const { store: db, audit: trail, now, checkpointer: checkpoints } = ctx.services;
        const out = await parentSafeReportPdf({ db, trail, now, checkpoints }, asker(ctx), ctx.params.nhsNumber, ctx.query);
        ctx.res.status(200).type('application/pdf').attachment(out.filename).setHeader('Cache-Control', 'no-store');
        ctx.res.send(out.pdf);
        return undefined;
      },
    }),
    defineRoute({
      operationId: 'exportAuditTrail', method: 'get', path: '/v1/audit/export', summary: 'IG: stream the trail as NDJSON (canonical bytes, for the verifier), CSV or a FHIR R4 Bundle of IHE BALP AuditEvents', tags: ['audit'], auth: IG,
      description: 'fromSeq/toSeq (NDJSON only): the contiguous events [fromSeq, toSeq), which GET /v1/audit/export/range-proof proves on their own.',
      query: timeRange.extend({ format: z.enum(['ndjson', 'csv', 'fhir']), fromSeq: seqParam.optional(), toSeq: seqParam.optional() }),
      responses: { 200: { description: 'A stream in the requested format', schema: z.string(), contentType: 'application/x-ndjson' } },
      handler: async (ctx) => {
        const { store: db, audit: trail, now } = ctx.services;
        const out = await exportTrail({ db, trail, now }, asker(ctx), ctx.query);
        const res = ctx.res;
        res.status(200).type(out.contentType).attachment(out.filename);
        try {
          for await (const chunk of out.chunks) {
            if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
          }
          res.end();
        } catch (err) {
          // Headers are gone: cut the stream so the client sees an incomplete export, never a silent one.
          ctx.services.log.error({ err: (err as Error).message }, 'export failed mid-stream');
          res.destroy();
        }
        return undefined;
      },
    }),
    defineRoute({
      operationId: 'getLatestCheckpoint', method: 'get', path: '/v1/audit/checkpoints/latest', summary: 'IG: the latest signed checkpoint (C2SP signed note)', tags: ['audit'], auth: IG,
      responses: { 200: { description: 'Checkpoint', schema: checkpointSchema } },
      handler: async (ctx) => {
        const { audit: trail, checkpointer: checkpoints } = ctx.services;
        return { body: await latestCheckpoint({ checkpoints, trail }, asker(ctx)) };
      },
    }),
    defineRoute({
      operationId: 'listCheckpoints', method: 'get', path: '/v1/audit/checkpoints', summary: 'IG: the published checkpoints, oldest first, from a tree size', tags: ['audit'], auth: IG,
      description: 'Pass nextFromSize back as fromSize for the next page. Every note is verified (key history, origin, root) before it is served.',
      query: z.strictObject({ fromSize: seqParam.default(0), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      responses: { 200: { description: 'A page of checkpoints', schema: z.object({ checkpoints: z.array(checkpointSchema), nextFromSize: z.number().nullable() }) } },
      handler: async (ctx) => {
        const { audit: trail, checkpointer: checkpoints } = ctx.services;
        return { body: await checkpointHistory({ checkpoints, trail }, asker(ctx), ctx.query) };
      },
    }),
    defineRoute({
      operationId: 'getExportRangeProof', method: 'get', path: '/v1/audit/export/range-proof', summary: 'IG: the needtoknow-range/v1 sidecar that proves an NDJSON export of a range on its own (audit/verify.mjs --range)', tags: ['audit'], auth: IG,
      description: 'A seq range [fromSeq, toSeq), or a time range [from, to) resolved to the seqs of its first and last events (start and end in the answer). Save the answer beside the export of exactly those seqs: GET /v1/audit/export?format=ndjson&fromSeq=<start>&toSeq=<end>.',
      query: timeRange.extend({ fromSeq: seqParam.optional(), toSeq: seqParam.optional() }),
      responses: {
        200: {
          description: 'The range sidecar',
          schema: z.object({ format: z.literal('needtoknow-range/v1'), start: z.number(), end: z.number(), compactRange: z.array(z.string()), checkpoint: z.string(), consistency: z.array(z.string()) }).openapi('RangeProof'),
        },
      },
      handler: async (ctx) => {
        const { store: db, audit: trail, tree, checkpointer: checkpoints } = ctx.services;
        return { body: await rangeProof({ db, tree, checkpoints, trail }, asker(ctx), ctx.query) };
      },
    }),
    defineRoute({
      operationId: 'getTrailIntegrity', method: 'get', path: '/v1/audit/integrity', summary: 'IG: the trail\'s integrity: latest checkpoint and its age, events not yet covered, witnesses, the last verification, whether the trail is unproven', tags: ['audit'], auth: IG,
      description: 'Witness and verification figures are those of the process answering (they start empty at a restart). Answered even while the trail is unproven (then recorded is false: nothing can be appended).',
      responses: { 200: { description: 'The integrity figures', schema: integritySchema } },
      handler: async (ctx) => {
        const { store: db, audit: trail, checkpointer: checkpoints, now } = ctx.services;
        return { body: await trailIntegrity({ db, checkpoints, trail, now }, asker(ctx)) };
      },
    }),
    defineRoute({
      operationId: 'getConsistencyProof', method: 'get', path: '/v1/audit/consistency', summary: 'IG: RFC 9162 consistency proof between two tree sizes', tags: ['audit'], auth: IG,
      query: z.strictObject({ from: z.coerce.number().int().min(0), to: z.coerce.number().int().min(1) }),
      responses: { 200: { description: 'Proof', schema: z.object({ from: z.number(), to: z.number(), fromRoot: z.string(), toRoot: z.string(), hashes: z.array(z.string()) }) } },
      handler: async (ctx) => {
        const { audit: trail, tree } = ctx.services;
        return { body: await consistency({ tree, trail }, asker(ctx), ctx.query) };
      },
    }),
    defineRoute({
      operationId: 'listCheckpointKeys', method: 'get', path: '/v1/audit/keys', summary: 'Every key that has signed this log\'s checkpoints, with its validity period (the key set audit/verify.mjs --keys reads)', tags: ['audit'], auth: 'public',
      description: 'A key signs the checkpoints whose timestamp lies in [validFrom, validTo); keyId is the C2SP signed-note key ID under the origin. After a rotation every old checkpoint still verifies with this set.',
      responses: { 200: { description: 'The key set', schema: keySetSchema } },
      handler: async ({ services }) => ({ body: { origin: services.checkpointer.logOrigin(), keys: services.keys.list() } }),
    }),
    defineRoute({
      operationId: 'getCheckpointPublicKey', method: 'get', path: '/v1/audit/public-key', summary: 'The Ed25519 public key that signs checkpoints (PEM), for the independent verifier', tags: ['audit'], auth: 'public',
      responses: { 200: { description: 'SPKI PEM', schema: z.string(), contentType: 'application/x-pem-file' } },
      handler: async ({ res, services }) => {
        res.type('application/x-pem-file').send(services.checkpointer.publicKey());
        return undefined;
      },
    }),
  ];
}
