/** What a staff or child feed sends is matched after normalisation: trivial differences do not matter. */
import { describe, expect, it } from 'vitest';
import { FactHasher, normalise } from '../../src/feeds/hash.ts';

const hasher = new FactHasher('test-key');

describe('family names and postcodes are hashed in a normal form', () => {
  it.each([
    ["O'Brien-Smith", 'o brien smith'],
    ['OBRIEN SMITH', 'O’Brien Smith'],
    ['  Ó Brien-Smith ', 'obriensmith'],
    ['Müller', 'MULLER'],
  ])('family name %j matches %j', (a, b) => {
    expect(hasher.hash('family-name', a)).toBe(hasher.hash('family-name', b));
  });

  it.each([
    ['OX1 2AB', 'ox12ab'],
    ['ox1  2ab', 'OX1-2AB'],
    [' SW1A 1AA ', 'sw1a1aa'],
  ])('postcode %j matches %j', (a, b) => {
    expect(hasher.hash('postcode', a)).toBe(hasher.hash('postcode', b));
  });

  it('different names, different postcodes and different kinds do not match', () => {
    expect(hasher.hash('family-name', 'Smith')).not.toBe(hasher.hash('family-name', 'Smyth'));
    expect(hasher.hash('postcode', 'OX1 2AB')).not.toBe(hasher.hash('postcode', 'OX1 2AD'));
    expect(hasher.hash('postcode', 'SMITH')).not.toBe(hasher.hash('family-name', 'SMITH'));
  });

  it('nothing to match on gives no hash', () => {
    for (const v of [undefined, null, '', '   ', "'-'"]) expect(hasher.hash('family-name', v)).toBeNull();
  });

  it('the hash reveals neither the value nor its normal form', () => {
    const h = hasher.hash('postcode', 'OX1 2AB')!;
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).not.toContain(normalise('postcode', 'OX1 2AB').toLowerCase());
    expect(new FactHasher('other-key').hash('postcode', 'OX1 2AB')).not.toBe(h);
  });
});
