/**
 * NDJSON import of relationships, bounded and idempotent (docs/break-glass-and-grants.md, "Imports"):
 * - the body is split into lines by boundedLines: a line over MAX_LINE_BYTES is a per-line error and
 *   its bytes are dropped as they arrive; a body over the configured limit is 413;
 * - good lines are committed in batches, each batch one audited change; bad lines are reported by
 *   line number (the first MAX_REPORTED_ERRORS, with the total in `rejected`) and skipped;
 * - each line's relationship id is derived from the importer, the line's content and how many times
 *   that content occurred earlier in the body, so sending the same body again (a retry after a lost
 *   answer, a 413 or a 503 half way) creates nothing twice: those lines count as `duplicates`.
 */
import { createHash } from 'node:crypto';
import type { AuditedChanges } from '../change/audited-change.ts';
import type { FieldError } from '../errors.ts';
import { actorOf } from '../trail/actor.ts';
import { insertRelationshipsOnce, type NewRelationship } from '../store/tables/relationships.ts';
import { relationshipInput, unknownReferences, type RelationshipInput } from './relationships.ts';
import { boundedLines } from './lines.ts';
import type { By } from './organisation.ts';

const BATCH = 1000;
export const MAX_LINE_BYTES = 64 * 1024;
export const MAX_REPORTED_ERRORS = 100;
const MAX_ERRORS_PER_LINE = 10;

export interface ImportReport {
  accepted: number;
  /** Lines whose relationship an earlier import of the same content already created. */
  duplicates: number;
  rejected: number;
  consistencyToken: string | null;
  errors: { line: number; errors: FieldError[] }[];
  errorsTruncated: boolean;
}

interface Good {
  line: number;
  id: string;
  input: RelationshipInput;
}

/** A UUID-shaped id from the importer, the line's text and its occurrence number in this body. */
function derivedId(importer: string, text: string, occurrence: number): string {
  const h = createHash('sha256').update(`ntk-import-v1\0${importer}\0${occurrence}\0${text}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const fieldOf = (path: PropertyKey[], keys: string[]) => (path.map(String).join('.') || keys.join(',') || 'line').slice(0, 200);

export async function importRelationships(changes: AuditedChanges, by: By, body: AsyncIterable<Buffer | string>, maxBodyBytes: number): Promise<ImportReport> {
  const report: ImportReport = { accepted: 0, duplicates: 0, rejected: 0, consistencyToken: null, errors: [], errorsTruncated: false };
  const reject = (line: number, errors: FieldError[]) => {
    report.rejected++;
    if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ line, errors: errors.slice(0, MAX_ERRORS_PER_LINE) });
    else report.errorsTruncated = true;
  };
  // Occurrences of each line's content so far (keyed by a short hash, so memory stays below the body's size).
  const seen = new Map<string, number>();
  let batch: Good[] = [];
  const flush = async () => {
    if (batch.length) await commitBatch(changes, by, batch, report, reject);
    batch = [];
  };

  for await (const { n, text } of boundedLines(body, { maxLineBytes: MAX_LINE_BYTES, maxBodyBytes })) {
    if (text === undefined) {
      reject(n, [{ field: 'line', message: `longer than ${MAX_LINE_BYTES} bytes` }]);
      continue;
    }
    const trimmed = text.trim();
    if (!trimmed) continue;
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      reject(n, [{ field: 'line', message: 'not valid JSON' }]);
      continue;
    }
    const parsed = relationshipInput.safeParse(json);
    if (!parsed.success) {
      reject(n, parsed.error.issues.map((i) => ({ field: fieldOf(i.path, i.code === 'unrecognized_keys' ? i.keys : []), message: i.message })));
      continue;
    }
    const key = createHash('sha256').update(trimmed).digest('base64').slice(0, 16);
    const occurrence = (seen.get(key) ?? 0) + 1;
    seen.set(key, occurrence);
    batch.push({ line: n, id: derivedId(by.principal.userId, trimmed, occurrence), input: parsed.data });
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return report;
}

async function commitBatch(changes: AuditedChanges, by: By, lines: Good[], report: ImportReport, reject: (line: number, errors: FieldError[]) => void) {
  const { value, consistencyToken } = await changes.run(async (c) => {
    const missing = await unknownReferences(c.tx, lines.map((l) => l.input));
    const good = lines.filter((l, i) => !missing[i].length);
    const now = c.now.toISOString();
    const rows: NewRelationship[] = good.map(({ id, input }) => ({
      id, child: input.child, subject: input.subject, type: input.type, validFrom: input.validFrom ?? now, validTo: input.validTo ?? null,
      source: input.source, reason: input.reason ?? null, createdBy: by.principal.userId,
    }));
    const inserted = rows.length ? await insertRelationshipsOnce(c.tx, rows) : new Set<string>();
    const created = rows.filter((r) => inserted.has(r.id));
    if (created.length) c.factChanged('relationship-import', `${created.length}`);
    for (const r of created) {
      c.audit({
        kind: 'relationship', actor: actorOf(by.principal), child: r.child, requestId: by.requestId,
        details: { change: 'start', id: r.id, subject: r.subject, type: r.type, validFrom: r.validFrom, validTo: r.validTo, source: r.source, import: true },
      });
    }
    // Every line of the batch was bad or already imported: the attempt is still on the trail.
    if (!created.length) c.audit({ kind: 'relationship-import', actor: actorOf(by.principal), requestId: by.requestId, details: { lines: lines.length, created: 0, duplicates: rows.length } });
    return { missing, created: created.length, duplicates: rows.length - created.length };
  });
  lines.forEach((l, i) => value.missing[i].length && reject(l.line, value.missing[i]));
  report.accepted += value.created;
  report.duplicates += value.duplicates;
  if (consistencyToken) report.consistencyToken = consistencyToken;
}
