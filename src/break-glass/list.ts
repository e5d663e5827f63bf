/**
 * IG's review queue: break-glass by review status and start time, newest first, each with the number
 * of reads made under it (see src/store/tables/break-glass.ts).
 */
import type { Queryable } from '../store/store.ts';
import { listBreakGlass as breakGlassRows, type BreakGlassFilter } from '../store/tables/break-glass.ts';
import { breakGlassView } from './view.ts';

export type BreakGlassQuery = BreakGlassFilter;

export async function listBreakGlass(db: Queryable, q: BreakGlassQuery, now: Date, overdueDays: number) {
  return (await breakGlassRows(db, q)).map((r) => breakGlassView(r, now, overdueDays, { reads: r.reads, decisions: r.decisions }));
}
