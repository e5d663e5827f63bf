/**
 * Keyed hashes of names and postcodes (HMAC-SHA256 with NTK_HASH_KEY): kept only to detect staff
 * looking up their own family or neighbours (src/monitoring/), never reversible without the key.
 * Values are normalised first, so that what two feeds write differently still matches (docs/monitoring.md):
 * - family names: Unicode NFKD with accents dropped, lower case, and everything that is not a letter or a
 *   digit removed ("O'Brien-Smith", "o brien smith", "OBRIEN SMITH", "Ó Brien-Smith" are one name);
 * - postcodes: upper case, everything but letters and digits removed ("OX1 2AB", "ox12ab", "OX1-2AB").
 * Neither the value nor its normal form is ever logged or returned.
 */
import { createHmac } from 'node:crypto';

export type HashedKind = 'family-name' | 'postcode';

/** The form a value is hashed in; empty when nothing of it is left. */
export function normalise(kind: HashedKind, value: string): string {
  if (kind === 'postcode') return value.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return value.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

export class FactHasher {
  constructor(private readonly key: string) {}

  /** The keyed hash of the normalised value; null when there is no value (nothing to match on). */
  hash(kind: HashedKind, value: string | undefined | null): string | null {
    if (value === undefined || value === null) return null;
    const normal = normalise(kind, value);
    if (normal === '') return null;
    return createHmac('sha256', this.key).update(`${kind}:${normal}`).digest('hex');
  }
}
