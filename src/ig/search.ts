/**
 * Audit search for IG officers: every filter of the contract, newest first, keyset-paginated on
 * (ts, seq) so each page is an index range scan (child and actor searches use their own indexes).
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../store/store.ts';
import { newestEvents } from '../store/tables/audit-events.ts';
import { z } from '../http/zod.ts';
import { id, instant, nhsNumber, section } from '../http/schemas.ts';
import type { TrailAppender } from '../trail/log.ts';
import type { CursorCodec } from './cursor.ts';
import { recordAuditQuery, type Asker } from './audit-query.ts';

export const searchQuery = z
  .strictObject({
    child: nhsNumber.optional(),
    actor: id.optional(),
    org: id.optional(),
    section: section.optional(),
    decision: z.enum(['permit', 'deny']).optional(),
    kind: z.string().regex(/^[a-z-]{1,40}$/).optional(),
    breakGlass: z.enum(['true', 'false']).optional(),
    from: instant.optional(),
    to: instant.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(400).optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { message: 'must be after from', path: ['to'] });
export type SearchQuery = z.infer<typeof searchQuery>;

export interface StoredEvent {
  seq: number;
  [key: string]: unknown;
}

/** The filters that define a result set (not the page): a cursor is bound to them. */
export function filterDigest(q: SearchQuery): string {
  const { limit: _l, cursor: _c, ...filters } = q;
  return createHash('sha256').update(JSON.stringify(Object.entries(filters).filter(([, v]) => v !== undefined).sort())).digest('base64url').slice(0, 16);
}

/** Searches the trail, newest first, one page at a time; the search itself is recorded on the trail before the page is returned. */
export async function searchTrail(
  deps: { db: Queryable; trail: TrailAppender; cursors: CursorCodec },
  who: Asker,
  q: SearchQuery,
): Promise<{ events: StoredEvent[]; nextCursor: string | null }> {
  const digest = filterDigest(q);
  const before = q.cursor ? deps.cursors.decode(q.cursor, digest) : undefined;
  const { limit, cursor: _c, breakGlass, ...filters } = q;
  const rows = await newestEvents(deps.db, { ...filters, breakGlass: breakGlass === undefined ? undefined : breakGlass === 'true' }, before, limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const found = {
    events: page.map((r) => JSON.parse(r.body) as StoredEvent),
    nextCursor: rows.length > limit && last ? deps.cursors.encode({ ts: new Date(last.ts).toISOString(), seq: last.seq }, digest) : null,
  };
  await recordAuditQuery(deps.trail, who, 'search', q, found.events.length, q.child);
  return found;
}
