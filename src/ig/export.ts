/**
 * Streams the audit trail as NDJSON for the independent verifier (audit/verify.mjs) and for IG export:
 * each line is exactly an event's stored canonical body, in seq order, read in keyset-paginated chunks
 * so memory stays constant however long the trail is.
 */
import type { Queryable } from '../store/store.ts';
import { eventsInSeqWindow, firstSeqIn, headSize } from '../store/tables/audit-events.ts';

export interface ExportRange {
  /** First seq to export (inclusive); default 0. */
  fromSeq?: number;
  /**
   * End of the export (exclusive, like a tree size): seq < toSeq. Default: the number of events
   * committed when the export starts, so a long export is a consistent prefix of the log.
   */
  toSeq?: number;
  /** Rows per query; default 1000. */
  chunkSize?: number;
}

export async function* exportNdjson(store: Queryable, range: ExportRange = {}): AsyncGenerator<string> {
  const chunk = range.chunkSize ?? 1000;
  let next = range.fromSeq ?? 0;
  let end = range.toSeq;
  end ??= await headSize(store);
  while (next < end) {
    // Keyset pagination by seq window rather than LIMIT, so every row of a window comes in one page:
    // rows come as the database holds them, and a duplicated seq (the verifier's to report) cannot
    // straddle a page boundary.
    const upTo = Math.min(end, next + chunk);
    const rows = await eventsInSeqWindow(store, next, upTo);
    for (const row of rows) yield row.body + '\n';
    next = upTo;
    if (!rows.length && next < end) {
      // A long run of missing seqs: jump to the next event instead of walking empty windows.
      const found = await firstSeqIn(store, next, end);
      if (found === undefined) return;
      next = found;
    }
  }
}
