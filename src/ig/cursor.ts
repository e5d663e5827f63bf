/**
 * Keyset cursors for audit search: the position (ts, seq) plus a digest of the filters, signed with
 * an HMAC, so a cursor cannot be forged or replayed under other filters to reach other events.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidInput } from '../errors.ts';

export interface Position {
  ts: string;
  seq: number;
}

export class CursorCodec {
  constructor(private readonly key: string) {}

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.key).update(`audit-cursor:${payload}`).digest().subarray(0, 16);
  }

  encode(position: Position, filterDigest: string): string {
    const payload = Buffer.from(JSON.stringify([position.ts, position.seq, filterDigest])).toString('base64url');
    return `${payload}.${this.mac(payload).toString('base64url')}`;
  }

  /** Throws InvalidInput (field query.cursor) for a cursor that is malformed, forged, or made for other filters. */
  decode(cursor: string, filterDigest: string): Position {
    const [payload, mac] = cursor.split('.');
    const given = Buffer.from(mac ?? '', 'base64url');
    const expected = payload ? this.mac(payload) : Buffer.alloc(16);
    if (!payload || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidInput({ field: 'query.cursor', message: 'not a cursor this service issued' });
    }
    const [ts, seq, digest] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [string, number, string];
    if (digest !== filterDigest) throw new InvalidInput({ field: 'query.cursor', message: 'this cursor belongs to a search with other filters' });
    return { ts, seq };
  }
}
