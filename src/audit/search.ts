/**
 * Audit search for IG officers: every filter of the contract, newest first, keyset-paginated on
 * (ts, seq) so each page is an index range scan (child and actor searches use their own indexes).
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../store/store.ts';
import { z } from '../http/zod.ts';
import { id, instant, nhsNumber, section } from '../http/schemas.ts';
import type { CursorCodec } from './cursor.ts';

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

/** Builds the WHERE clause for the filters; shared with the export. */
export function whereFor(q: Omit<SearchQuery, 'limit' | 'cursor'>, params: unknown[]): string {
  const where: string[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (q.child) add('child = ?', q.child);
  if (q.actor) add('actor = ?', q.actor);
  if (q.org) add('actor_org = ?', q.org);
  if (q.section) add('section = ?', q.section);
  if (q.decision) add('decision = ?', q.decision);
  if (q.kind) add('kind = ?', q.kind);
  if (q.breakGlass) add('break_glass = ?', q.breakGlass === 'true');
  if (q.from) add('ts >= ?::timestamptz', q.from);
  if (q.to) add('ts < ?::timestamptz', q.to);
  return where.length ? where.join(' and ') : 'true';
}

export async function searchEvents(db: Queryable, q: SearchQuery, cursors: CursorCodec): Promise<{ events: StoredEvent[]; nextCursor: string | null }> {
  const digest = filterDigest(q);
  const params: unknown[] = [];
  let where = whereFor(q, params);
  if (q.cursor) {
    const at = cursors.decode(q.cursor, digest);
    params.push(at.ts, at.seq);
    where += ` and (ts, seq) < ($${params.length - 1}::timestamptz, $${params.length})`;
  }
  params.push(q.limit + 1);
  const { rows } = await db.query<{ seq: number; ts: Date; body: string }>(
    `select seq, ts, body from audit_events where ${where} order by ts desc, seq desc limit $${params.length}`,
    params,
  );
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    events: page.map((r) => JSON.parse(r.body) as StoredEvent),
    nextCursor: rows.length > q.limit && last ? cursors.encode({ ts: new Date(last.ts).toISOString(), seq: last.seq }, digest) : null,
  };
}
