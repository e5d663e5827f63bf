/**
 * The audit trail for IG officers: search, one event with its inclusion proof, a child's access
 * report, streaming exports, signed checkpoints and consistency proofs. Every call is itself appended
 * to the trail (who, filters, result count) before its results are returned.
 */
import { defineRoute, type AnyRoute, type HandlerContext } from '../http/route.ts';
import { z } from '../http/zod.ts';
import { instant, nhsNumber } from '../http/schemas.ts';
import { invalidField, notFound } from '../http/problem.ts';
import { actorOf } from './actor.ts';
import { searchEvents, searchQuery, whereFor } from './search.ts';
import { accessReport } from './access-report.ts';
import { csv, fhirBundle, ndjson } from './export-formats.ts';
import { stringify } from 'csv-stringify/sync';
import type { Services } from '../services.ts';

const IG = { capability: 'audit' } as const;
type Ctx = HandlerContext<unknown, unknown, unknown>;

/** Appends the audit call's own event; results are returned only after it is committed. */
async function auditTheAuditor(ctx: Pick<Ctx, 'services' | 'principal' | 'requestId'>, query: string, filters: Record<string, unknown>, results: number | null, child?: string) {
  await ctx.services.audit.appendOne({
    kind: 'audit-query', actor: actorOf(ctx.principal), child, requestId: ctx.requestId,
    details: { query, filters: Object.fromEntries(Object.entries(filters).filter(([k, v]) => v !== undefined && k !== 'cursor')), results },
  });
}

const b64 = (b: Buffer) => b.toString('base64');

async function latestCheckpoint(services: Services) {
  const cp = (await services.checkpointer.latest()) ?? (await services.checkpointer.checkpointNow());
  return cp;
}

const timeRange = z.strictObject({ from: instant.optional(), to: instant.optional() });

export function auditRoutes(): AnyRoute[] {
  return [
    defineRoute({
      method: 'get', path: '/v1/audit/events', summary: 'IG: search the audit trail, newest first', tags: ['audit'], auth: IG,
      description: 'Keyset-paginated: pass nextCursor back as cursor with the same filters. A cursor is signed and bound to its filters.',
      query: searchQuery,
      responses: { 200: { description: 'A page of events', schema: z.object({ events: z.array(z.record(z.string(), z.unknown())), nextCursor: z.string().nullable() }) } },
      handler: async (ctx) => {
        const page = await searchEvents(ctx.services.store, ctx.query, ctx.services.cursors);
        await auditTheAuditor(ctx, 'search', ctx.query, page.events.length, ctx.query.child);
        return { body: page };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/audit/events/{id}', summary: 'IG: one event, with its leaf hash and an inclusion proof against the latest checkpoint', tags: ['audit'], auth: IG,
      params: z.object({ id: z.string().uuid() }),
      responses: { 200: { description: 'The event and its proof', schema: z.object({ seq: z.number(), leafHash: z.string(), event: z.record(z.string(), z.unknown()) }).passthrough() }, 404: { description: 'No such event' } },
      handler: async (ctx) => {
        const { rows } = await ctx.services.store.query<{ seq: number; body: string; leaf_hash: Uint8Array }>('select seq, body, leaf_hash from audit_events where id = $1', [ctx.params.id]);
        if (!rows[0]) throw notFound('no audit event with this id');
        const row = rows[0];
        let checkpoint = await latestCheckpoint(ctx.services);
        if (checkpoint.treeSize <= row.seq) checkpoint = await ctx.services.checkpointer.checkpointNow();
        const proof = await ctx.services.tree.inclusionProof(row.seq, checkpoint.treeSize);
        const event = JSON.parse(row.body);
        await auditTheAuditor(ctx, 'event', { id: ctx.params.id }, 1, event.child);
        return {
          body: {
            seq: row.seq, leafHash: b64(Buffer.from(row.leaf_hash)), event,
            inclusionProof: { leafIndex: row.seq, treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, hashes: proof.map(b64) },
            checkpoint,
          },
        };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/audit/children/{nhsNumber}/access-report', summary: 'IG: who read which sections of this child, when, from where and why, in plain words', tags: ['audit'], auth: IG,
      description: 'JSON by default; format=csv gives one row per read.',
      params: z.object({ nhsNumber }),
      query: timeRange.extend({ format: z.enum(['json', 'csv']).default('json') }),
      responses: { 200: { description: 'The access report', schema: z.object({ child: z.string(), summary: z.record(z.string(), z.unknown()), reads: z.array(z.unknown()) }).passthrough() } },
      handler: async (ctx) => {
        const report = await accessReport(ctx.services.store, ctx.params.nhsNumber, ctx.query.from, ctx.query.to);
        await auditTheAuditor(ctx, 'access-report', ctx.query, report.reads.length, ctx.params.nhsNumber);
        if (ctx.query.format === 'json') return { body: report };
        ctx.res.type('text/csv').attachment(`access-report-${ctx.params.nhsNumber}.csv`);
        ctx.res.send(stringify(report.reads.map((r) => [r.when, r.user, r.name, r.role, r.organisation.code, r.organisation.name, r.sections.join(' '), r.purpose, r.breakGlass, r.because.join('; '), r.requestId]), {
          header: true, columns: ['when', 'user', 'name', 'role', 'orgCode', 'organisation', 'sections', 'purpose', 'breakGlass', 'because', 'requestId'],
        }));
        return undefined;
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/audit/export', summary: 'IG: stream the trail as NDJSON (canonical bytes, for the verifier), CSV or a FHIR R4 Bundle of IHE BALP AuditEvents', tags: ['audit'], auth: IG,
      query: timeRange.extend({ format: z.enum(['ndjson', 'csv', 'fhir']) }),
      responses: { 200: { description: 'A stream in the requested format', schema: z.string(), contentType: 'application/x-ndjson' } },
      handler: async (ctx) => {
        const { from, to, format } = ctx.query;
        const params: unknown[] = [];
        const count = (await ctx.services.store.query<{ n: number }>(`select count(*)::int as n from audit_events where ${whereFor({ from, to }, params)}`, params)).rows[0].n;
        await auditTheAuditor(ctx, 'export', ctx.query, count);
        const res = ctx.res;
        const type = { ndjson: 'application/x-ndjson', csv: 'text/csv', fhir: 'application/fhir+json' }[format];
        res.status(200).type(type).attachment(`audit-export.${format === 'fhir' ? 'json' : format}`);
        const source = format === 'csv' ? csv(ctx.services.store, { from, to }) : format === 'fhir' ? fhirBundle(ctx.services.store, { from, to }) : ndjson(ctx.services.store, { from, to });
        try {
          for await (const chunk of source as AsyncIterable<string | Buffer>) {
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
      method: 'get', path: '/v1/audit/checkpoints/latest', summary: 'IG: the latest signed checkpoint (C2SP signed note)', tags: ['audit'], auth: IG,
      responses: { 200: { description: 'Checkpoint', schema: z.object({ treeSize: z.number(), rootHash: z.string(), timestamp: z.string(), signature: z.string(), keyId: z.string(), note: z.string() }).openapi('Checkpoint') } },
      handler: async (ctx) => {
        const cp = await latestCheckpoint(ctx.services);
        await auditTheAuditor(ctx, 'checkpoint', {}, 1);
        return { body: { ...cp, publicKey: ctx.services.checkpointer.publicKey() } };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/audit/consistency', summary: 'IG: RFC 9162 consistency proof between two tree sizes', tags: ['audit'], auth: IG,
      query: z.strictObject({ from: z.coerce.number().int().min(0), to: z.coerce.number().int().min(1) }),
      responses: { 200: { description: 'Proof', schema: z.object({ from: z.number(), to: z.number(), fromRoot: z.string(), toRoot: z.string(), hashes: z.array(z.string()) }) } },
      handler: async (ctx) => {
        const { from, to } = ctx.query;
        const size = await ctx.services.tree.size();
        if (from > to) throw invalidField('query.from', 'must not be greater than to');
        if (to > size) throw invalidField('query.to', `the tree has ${size} events`);
        const [hashes, fromRoot, toRoot] = await Promise.all([
          ctx.services.tree.consistencyProof(from, to), ctx.services.tree.root(from), ctx.services.tree.root(to),
        ]);
        await auditTheAuditor(ctx, 'consistency', ctx.query, hashes.length);
        return { body: { from, to, fromRoot: b64(fromRoot), toRoot: b64(toRoot), hashes: hashes.map(b64) } };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/audit/public-key', summary: 'The Ed25519 public key that signs checkpoints (PEM), for the independent verifier', tags: ['audit'], auth: 'public',
      responses: { 200: { description: 'SPKI PEM', schema: z.string(), contentType: 'application/x-pem-file' } },
      handler: async ({ res, services }) => {
        res.type('application/x-pem-file').send(services.checkpointer.publicKey());
        return undefined;
      },
    }),
  ];
}

