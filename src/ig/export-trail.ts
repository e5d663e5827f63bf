/**
 * The IG export use case: counts what the export will hold, records the export on the trail, and
 * hands back the stream in the asked format (the route writes it out).
 */
import type { Queryable } from '../store/store.ts';
import { countEvents } from '../store/tables/audit-events.ts';
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
  query: { from?: string; to?: string; format: ExportFormat },
): Promise<TrailExport> {
  const { from, to, format } = query;
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
