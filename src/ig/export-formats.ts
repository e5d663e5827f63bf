/**
 * Streaming exports of the audit trail: NDJSON (the stored canonical bytes, what the verifier reads),
 * CSV (one row per event) and a FHIR R4 Bundle of BALP AuditEvents. Events are read in seq order in
 * keyset pages, up to the tree size at the start, so memory stays flat and the export is consistent.
 */
import { hostname } from 'node:os';
import type { Queryable } from '../store/store.ts';
import { eventsAfterSeq, headSize } from '../store/tables/audit-events.ts';
import { exportNdjson } from './export.ts';
import { toAuditEvent } from './fhir.ts';
import { csvStream } from './csv.ts';

export interface TimeRange {
  from?: string;
  to?: string;
}

const PAGE = 1000;

/** Stored bodies in seq order, optionally within a time range. */
export async function* bodiesInRange(db: Queryable, range: TimeRange): AsyncGenerator<string> {
  if (!range.from && !range.to) {
    for await (const line of exportNdjson(db)) yield line.slice(0, -1);
    return;
  }
  const end = await headSize(db);
  let after = -1;
  for (;;) {
    const rows = await eventsAfterSeq(db, { from: range.from, to: range.to }, after, end, PAGE);
    for (const r of rows) yield r.body;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].seq;
  }
}

export async function* ndjson(db: Queryable, range: TimeRange): AsyncGenerator<string> {
  for await (const body of bodiesInRange(db, range)) yield body + '\n';
}

/** `now`: the Bundle's timestamp; `serverHost`: the server agents' network address (see fhir.ts). */
export async function* fhirBundle(db: Queryable, range: TimeRange, now: Date, serverHost = hostname()): AsyncGenerator<string> {
  yield `{"resourceType":"Bundle","type":"collection","timestamp":${JSON.stringify(now.toISOString())},"entry":[`;
  let first = true;
  for await (const body of bodiesInRange(db, range)) {
    const resource = toAuditEvent(JSON.parse(body), { serverHost });
    yield (first ? '' : ',') + JSON.stringify({ fullUrl: `urn:uuid:${resource.id}`, resource });
    first = false;
  }
  yield ']}\n';
}

/**
 * `reason`: a decision's precise reason code. The reasons people gave come last (new columns are appended so
 * readers by position keep working): a break-glass's reason code and free text, a grant's or revocation's reason.
 */
export const CSV_COLUMNS = [
  'seq', 'id', 'ts', 'kind', 'user', 'role', 'roleCode', 'org', 'client', 'child', 'section', 'action', 'purpose', 'decision', 'breakGlass',
  'basis', 'reason', 'requestId', 'policyVersion', 'breakGlassReasonCode', 'breakGlassReason', 'grantReason',
];

export function csvRow(body: string): unknown[] {
  const e = JSON.parse(body);
  const basis = (e.details?.basis ?? []) as { kind: string; type?: string; via?: string }[];
  const given = typeof e.details?.reason === 'string' ? e.details.reason : undefined;
  const breakGlass = e.kind === 'break-glass';
  return [
    e.seq, e.id, e.ts, e.kind, e.actor?.user, e.actor?.role, e.actor?.roleCode, e.actor?.org, e.actor?.client, e.child, e.section,
    e.action, e.purpose, e.decision, e.breakGlass ? 'true' : 'false',
    basis.map((b) => (b.kind === 'relationship' ? `${b.type}:${b.via}` : b.kind)).join(' '), e.details?.reason?.code, e.requestId, e.policyVersion,
    breakGlass ? e.details?.reasonCode : undefined, breakGlass ? given : undefined, e.kind === 'grant' || e.kind === 'grant-extend' || e.kind === 'grant-revoke' ? given : undefined,
  ];
}

export function csv(db: Queryable, range: TimeRange): NodeJS.ReadableStream {
  const out = csvStream(CSV_COLUMNS);
  void (async () => {
    try {
      for await (const body of bodiesInRange(db, range)) {
        if (!out.write(csvRow(body))) await new Promise((r) => out.once('drain', r));
      }
      out.end();
    } catch (err) {
      out.destroy(err as Error);
    }
  })();
  return out;
}
