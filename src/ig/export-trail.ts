/**
 * The IG export use case: counts what the export will hold, records the export on the trail, and
 * hands back the stream in the asked format (the route writes it out).
 */
import type { Queryable } from '../store/store.ts';
import { InvalidInput } from '../errors.ts';
import { countEvents, headSize } from '../store/tables/audit-events.ts';
import { exportNdjson } from './export.ts';
import type { TrailAppender } from '../trail/log.ts';
import { recordAuditQuery, type Asker } from './audit-query.ts';
import { csv, fhirBundle, ndjson } from './export-formats.ts';

export type ExportFormat = 'ndjson' | 'csv' | 'fhir';

export interface TrailExport {
  contentType: string;
  filename: string;
  chunks: AsyncIterable<string | Buffer>;
}

const CONTENT_TYPES: Record<ExportFormat, string> = { ndjson: 'application/x-ndjson', csv: 'text/csv', fhir: 'application/fhir+json' };

export async function exportTrail(
  deps: { db: Queryable; trail: TrailAppender; now: () => Date },
  who: Asker,
  query: { from?: string; to?: string; fromSeq?: number; toSeq?: number; format: ExportFormat },
): Promise<TrailExport> {
  const { from, to, format } = query;
  if (query.fromSeq !== undefined || query.toSeq !== undefined) return exportSeqRange(deps, who, query);
  const count = await countEvents(deps.db, { from, to });
  await recordAuditQuery(deps.trail, who, 'export', query, count);
  const range = { from, to };
  const chunks = format === 'csv' ? csv(deps.db, range) : format === 'fhir' ? fhirBundle(deps.db, range, deps.now()) : ndjson(deps.db, range);
  return {
    contentType: CONTENT_TYPES[format],
    filename: `audit-export.${format === 'fhir' ? 'json' : format}`,
    chunks: chunks as AsyncIterable<string | Buffer>,
  };
}

/**
 * NDJSON of the seqs [fromSeq, toSeq): a contiguous range of the log, which its range sidecar
 * (range-proof.ts) proves on its own. Only for NDJSON, and not with a time range.
 */
async function exportSeqRange(
  deps: { db: Queryable; trail: TrailAppender },
  who: Asker,
  query: { from?: string; to?: string; fromSeq?: number; toSeq?: number; format: ExportFormat },
): Promise<TrailExport> {
  if (query.format !== 'ndjson') throw new InvalidInput({ field: 'query.fromSeq', message: 'a seq range is exported as format=ndjson only' });
  if (query.from !== undefined || query.to !== undefined) throw new InvalidInput({ field: 'query.fromSeq', message: 'give a seq range or a time range, not both' });
  const size = await headSize(deps.db);
  const fromSeq = query.fromSeq ?? 0;
  const toSeq = query.toSeq ?? size;
  if (fromSeq > toSeq) throw new InvalidInput({ field: 'query.fromSeq', message: 'must not be greater than toSeq' });
  if (toSeq > size) throw new InvalidInput({ field: 'query.toSeq', message: `the trail has ${size} events` });
  await recordAuditQuery(deps.trail, who, 'export', query, toSeq - fromSeq);
  return { contentType: CONTENT_TYPES.ndjson, filename: `audit-export-${fromSeq}-${toSeq}.ndjson`, chunks: exportNdjson(deps.db, { fromSeq, toSeq }) };
}
