/** NHS numbers: the modulus-11 check digit, and a seeded walk through the 999 test range without repeats. */
import { Rng } from './prng.ts';

/** The check digit for the first nine digits, or null when the number would need 10 (such bases are never issued). */
export function nhsCheckDigit(firstNine: string): number | null {
  if (!/^[0-9]{9}$/.test(firstNine)) throw new RangeError(`expected nine digits, got "${firstNine}"`);
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (firstNine.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  return check === 10 ? null : check;
}

export function isValidNhsNumber(value: string): boolean {
  if (!/^[0-9]{10}$/.test(value)) return false;
  return nhsCheckDigit(value.slice(0, 9)) === Number(value[9]);
}

const BASES = 1_000_000; // 999 + six digits = the nine digits before the check digit
/** How many valid test numbers the 999 range holds is about 909,000; stay safely below. */
export const MAX_TEST_NHS_NUMBERS = 900_000;

/**
 * Yields distinct valid NHS numbers in the 999 range, in a seed-dependent order:
 * base_i = (a·i + b) mod 10^6 with a coprime to 10^6 is a permutation of the bases.
 */
export function* testNhsNumbers(seed: number): Generator<string> {
  const rng = new Rng(seed, 0x4e4853);
  let a = rng.range(100_000, 999_999);
  while (a % 2 === 0 || a % 5 === 0) a++;
  const b = rng.int(BASES);
  for (let i = 0; i < BASES; i++) {
    const base = '999' + String((a * i + b) % BASES).padStart(6, '0');
    const check = nhsCheckDigit(base);
    if (check !== null) yield base + check;
  }
}
