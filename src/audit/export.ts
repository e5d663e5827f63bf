/**
 * Streams the audit trail as NDJSON for the independent verifier (audit/verify.mjs) and for IG export:
 * each line is exactly an event's stored canonical body, in seq order, read in keyset-paginated chunks
 * so memory stays constant however long the trail is.
 */
import type { Queryable } from '../store/store.ts';

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
  if (end === undefined) {
    const head = await store.query<{ tree_size: number }>('select tree_size from audit_head where id = 1', []);
    end = Number(head.rows[0].tree_size);
  }
  while (next < end) {
    // Keyset pagination by seq window rather than LIMIT, so every row of a window comes in one page:
    // rows come as the database holds them, and a duplicated seq (the verifier's to report) cannot
    // straddle a page boundary.
    const upTo = Math.min(end, next + chunk);
    const r = await store.query<{ seq: number; body: string }>(
      'select seq, body from audit_events where seq >= $1 and seq < $2 order by seq',
      [next, upTo],
    );
    for (const row of r.rows) yield row.body + '\n';
    next = upTo;
    if (!r.rows.length && next < end) {
      // A long run of missing seqs: jump to the next event instead of walking empty windows.
      const gap = await store.query<{ seq: number | null }>(
        'select min(seq) as seq from audit_events where seq >= $1 and seq < $2',
        [next, end],
      );
      if (gap.rows[0]?.seq == null) return;
      next = Number(gap.rows[0].seq);
    }
  }
}
