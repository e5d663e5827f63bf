/**
 * Keyed hashes of names and postcodes (HMAC-SHA256 with NTK_HASH_KEY): kept only to detect staff
 * looking up their own family or neighbours, never reversible without the key.
 */
import { createHmac } from 'node:crypto';

export class FactHasher {
  constructor(private readonly key: string) {}

  /** Normalised so that case and spacing do not change the hash. */
  hash(kind: 'family-name' | 'postcode', value: string | undefined | null): string | null {
    if (value === undefined || value === null || value.trim() === '') return null;
    const normal = kind === 'postcode' ? value.replace(/\s+/g, '').toUpperCase() : value.trim().toLowerCase();
    return createHmac('sha256', this.key).update(`${kind}:${normal}`).digest('hex');
  }
}
