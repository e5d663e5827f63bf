/**
 * RFC 9162 (Certificate Transparency v2) Merkle tree hashing, proofs and proof verification, as pure functions.
 *
 * Two halves:
 * - the textbook definitions over an in-memory list of leaf hashes (`rootOf`, `inclusionProof`,
 *   `consistencyProof`: RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1 read literally), used as the reference;
 * - "plans" (`inclusionPlan`, `consistencyPlan`, `rangeNodes`) that say which complete subtrees a proof
 *   is made of, so src/trail/tree.ts can build the same proofs from stored node hashes in one query.
 * Tree sizes and indexes are plain numbers: exact up to 2^53, far beyond any audit trail.
 */
import { createHash } from 'node:crypto';

export const HASH_SIZE = 32;

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** Leaf hash: SHA-256(0x00 || data). */
export function hashLeaf(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** Interior node hash: SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** The largest power of two strictly less than n (n >= 2): the RFC's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function checkSize(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
}

// ---------------------------------------------------------------------------------------------
// Reference definitions over a list of leaf hashes.

/** MTH(D[lo:hi]) by the recursive definition. */
function mth(leaves: readonly Buffer[], lo: number, hi: number): Buffer {
  const n = hi - lo;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves[lo];
  const k = splitPoint(n);
  return hashChildren(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
}

/** Root of the first `size` leaf hashes (default: all of them). */
export function rootOf(leafHashes: readonly Buffer[], size = leafHashes.length): Buffer {
  checkSize('size', size);
  if (size > leafHashes.length) throw new RangeError(`size ${size} exceeds ${leafHashes.length} leaves`);
  return mth(leafHashes, 0, size);
}

/** PATH(index, D[0:size]), RFC 9162 §2.1.3.1. */
export function inclusionProof(leafHashes: readonly Buffer[], index: number, size: number): Buffer[] {
  checkSize('size', size);
  if (size > leafHashes.length) throw new RangeError(`size ${size} exceeds ${leafHashes.length} leaves`);
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`index ${index} is not below size ${size}`);
  const path = (m: number, lo: number, hi: number): Buffer[] => {
    if (hi - lo <= 1) return [];
    const k = splitPoint(hi - lo);
    return m < k ? [...path(m, lo, lo + k), mth(leafHashes, lo + k, hi)] : [...path(m - k, lo + k, hi), mth(leafHashes, lo, lo + k)];
  };
  return path(index, 0, size);
}

/** PROOF(m, D[0:n]), RFC 9162 §2.1.4.1; empty when m is 0 or m == n. */
export function consistencyProof(leafHashes: readonly Buffer[], m: number, n: number): Buffer[] {
  checkSize('from', m);
  checkSize('to', n);
  if (m > n) throw new RangeError(`from ${m} is beyond to ${n}`);
  if (n > leafHashes.length) throw new RangeError(`size ${n} exceeds ${leafHashes.length} leaves`);
  if (m === 0 || m === n) return [];
  const subproof = (mm: number, lo: number, hi: number, b: boolean): Buffer[] => {
    if (mm === hi - lo) return b ? [] : [mth(leafHashes, lo, hi)];
    const k = splitPoint(hi - lo);
    return mm <= k
      ? [...subproof(mm, lo, lo + k, b), mth(leafHashes, lo + k, hi)]
      : [...subproof(mm - k, lo + k, hi, false), mth(leafHashes, lo, lo + k)];
  };
  return subproof(m, 0, n, true);
}

// ---------------------------------------------------------------------------------------------
// Verification, RFC 9162 §2.1.3.2 and §2.1.4.2, step by step.

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** True when `proof` proves that `leafHash` is leaf `index` of the tree of `size` leaves with root `root`. */
export function verifyInclusion(leafHash: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (leafHash.length !== HASH_SIZE || proof.some((p) => p.length !== HASH_SIZE)) return false;
  // fn/sn as in the RFC; plain arithmetic instead of bit operators so sizes beyond 2^32 work.
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

/** True when `proof` proves the tree of size `m` with root `firstRoot` is a prefix of the tree of size `n` with root `secondRoot`. */
export function verifyConsistency(m: number, n: number, firstRoot: Uint8Array, secondRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || m > n) return false;
  if (proof.some((p) => p.length !== HASH_SIZE)) return false;
  // Edge cases the RFC algorithm leaves to the caller: the empty tree is a prefix of every tree,
  // and a tree is consistent with itself exactly when the roots agree; both need an empty proof.
  if (m === 0) return proof.length === 0;
  if (m === n) return proof.length === 0 && equal(firstRoot, secondRoot);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(m) ? [firstRoot, ...proof] : [...proof];
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0];
  let sr: Uint8Array = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(fr, firstRoot) && equal(sr, secondRoot);
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && splitPoint(n * 2) === n;
}

// ---------------------------------------------------------------------------------------------
// Plans: which complete subtrees a root or proof is built from.

/** A complete (perfect) subtree: the 2^level leaves starting at index * 2^level. */
export interface NodeId {
  level: number;
  index: number;
}

/** A range [start, end) of leaves whose MTH is one element of a proof. */
export type LeafRange = readonly [start: number, end: number];

/**
 * The complete subtrees that make up [start, end), left to right, largest first.
 * Every range a proof or root needs starts at a multiple of a power of two at least end - start,
 * so the pieces are aligned, and MTH of the range is the right fold of their hashes (`foldRange`).
 */
export function rangeNodes(start: number, end: number): NodeId[] {
  const nodes: NodeId[] = [];
  let p = start;
  for (let size = 2 ** 53; size >= 1; size /= 2) {
    if (end - p >= size) {
      if (p % size !== 0) throw new RangeError(`range [${start}, ${end}) is not aligned`);
      nodes.push({ level: Math.log2(size), index: p / size });
      p += size;
    }
  }
  return nodes;
}

/** MTH of a range from the hashes of its `rangeNodes`, in the same order. */
export function foldRange(nodeHashes: readonly Buffer[]): Buffer {
  if (nodeHashes.length === 0) return EMPTY_ROOT;
  let h = nodeHashes[nodeHashes.length - 1];
  for (let i = nodeHashes.length - 2; i >= 0; i--) h = hashChildren(nodeHashes[i], h);
  return h;
}

/** The leaf ranges whose hashes form PATH(index, D[0:size]), in proof order. */
export function inclusionPlan(index: number, size: number): LeafRange[] {
  checkSize('size', size);
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`index ${index} is not below size ${size}`);
  const topDown: LeafRange[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      topDown.push([lo + k, hi]);
      hi = lo + k;
    } else {
      topDown.push([lo, lo + k]);
      lo += k;
    }
  }
  return topDown.reverse();
}

/** The leaf ranges whose hashes form PROOF(m, D[0:n]), in proof order. */
export function consistencyPlan(m: number, n: number): LeafRange[] {
  checkSize('from', m);
  checkSize('to', n);
  if (m > n) throw new RangeError(`from ${m} is beyond to ${n}`);
  if (m === 0 || m === n) return [];
  const topDown: LeafRange[] = [];
  let lo = 0;
  let hi = n;
  let mm = m;
  let b = true;
  for (;;) {
    if (mm === hi - lo) {
      if (!b) topDown.push([lo, hi]);
      break;
    }
    const k = splitPoint(hi - lo);
    if (mm <= k) {
      topDown.push([lo + k, hi]);
      hi = lo + k;
    } else {
      topDown.push([lo, lo + k]);
      lo += k;
      mm -= k;
      b = false;
    }
  }
  return topDown.reverse();
}
