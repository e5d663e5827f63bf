/** NHS number check digits and the seeded walk through the 999 test range. */
import { describe, expect, it } from 'vitest';
import { isValidNhsNumber, nhsCheckDigit, testNhsNumbers } from '../../src/population/nhs.ts';
import { Rng } from '../../src/population/prng.ts';

describe('NHS numbers', () => {
  it('computes the modulus-11 check digit', () => {
    expect(isValidNhsNumber('9434765919')).toBe(true); // the contract's example
    expect(isValidNhsNumber('9434765918')).toBe(false);
    expect(nhsCheckDigit('401023213')).toBe(7); // 4010232137, a published example
    expect(nhsCheckDigit('999000000')).toBeNull(); // 9·10+9·9+9·8 = 243, 11 - (243 mod 11) = 10: never issued
    expect(isValidNhsNumber('94347659')).toBe(false);
    expect(isValidNhsNumber('94347659x9')).toBe(false);
  });

  it('yields distinct valid numbers in the 999 range, in a seed-dependent order', () => {
    const take = (seed: number, n: number) => {
      const out: string[] = [];
      for (const v of testNhsNumbers(seed)) {
        out.push(v);
        if (out.length === n) break;
      }
      return out;
    };
    const a = take(1, 50_000);
    expect(new Set(a).size).toBe(a.length);
    expect(a.every((n) => n.startsWith('999') && isValidNhsNumber(n))).toBe(true);
    expect(take(1, 100)).toEqual(a.slice(0, 100));
    expect(take(2, 100)).not.toEqual(a.slice(0, 100));
  });

  it('holds enough numbers for the largest population', () => {
    let count = 0;
    for (const _ of testNhsNumbers(3)) count++;
    expect(count).toBeGreaterThan(900_000);
  });
});

describe('Rng', () => {
  it('is deterministic per seed and stream and roughly uniform', () => {
    const a = new Rng(7, 1);
    const b = new Rng(7, 1);
    const c = new Rng(7, 2);
    const xs = Array.from({ length: 10_000 }, () => a.next());
    expect(Array.from({ length: 10_000 }, () => b.next())).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const ints = new Set(Array.from({ length: 1000 }, () => a.range(3, 5)));
    expect([...ints].sort()).toEqual([3, 4, 5]);
  });
});
