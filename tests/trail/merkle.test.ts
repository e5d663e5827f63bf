/** RFC 9162 Merkle functions: Certificate Transparency known answers, then every shape of small tree. */
import { describe, expect, it } from 'vitest';
import {
  EMPTY_ROOT,
  consistencyPlan,
  consistencyProof,
  foldRange,
  hashChildren,
  hashLeaf,
  inclusionPlan,
  inclusionProof,
  rangeNodes,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from '../../src/trail/merkle.ts';
import * as independent from '../../audit/verify.mjs';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => Buffer.from(s, 'hex');

// The CT test vectors (transparency-dev/merkle testonly/constants.go and proof/verify_test.go,
// originally from the RFC 6962 reference tests): leaf inputs, and the root for each tree size 0..8.
const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(unhex);
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// Leaf hashes (level 0 of testonly.NodeHashes()).
const LEAF_HASHES = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
  '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
  '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
  'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
  'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
  '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
];
// Inclusion proofs (0-based leaf index).
const INCLUSION = [
  { index: 0, size: 8, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { index: 5, size: 8, proof: ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  { index: 1, size: 5, proof: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
  { index: 0, size: 1, proof: [] },
];
const CONSISTENCY = [
  { from: 1, to: 1, proof: [] },
  { from: 1, to: 8, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { from: 6, to: 8, proof: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { from: 2, to: 5, proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
  { from: 6, to: 7, proof: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
];

const leaves = LEAF_INPUTS.map(hashLeaf);

/** The proofs given by the plans and stored-node folding, as tree.ts computes them. */
function plannedHashes(plan: ReadonlyArray<readonly [number, number]>, all: Buffer[]): Buffer[] {
  const nodeHash = (level: number, index: number) => rootOf(all.slice(index * 2 ** level, (index + 1) * 2 ** level));
  return plan.map(([s, e]) => foldRange(rangeNodes(s, e).map((n) => nodeHash(n.level, n.index))));
}

/** Ways to spoil a proof, after transparency-dev/merkle's corruptInclusionProof / corruptConsistencyProof. */
function spoiled(proof: Buffer[], root: Buffer): Buffer[][] {
  const out: Buffer[][] = [[...proof, root], [root, ...proof], [...proof, Buffer.alloc(32)]];
  if (proof.length) out.push(proof.slice(0, -1), proof.slice(1));
  proof.forEach((_, i) => {
    const p = proof.map((h) => Buffer.from(h));
    p[i][0] ^= 8;
    out.push(p);
  });
  if (proof.length > 1) out.push([proof[1], proof[0], ...proof.slice(2)]);
  return out;
}

describe('RFC 9162 known answers (Certificate Transparency test vectors)', () => {
  it('hashes leaves with the 0x00 prefix and nodes with 0x01', () => {
    expect(leaves.map(hex)).toEqual(LEAF_HASHES);
    expect(hex(hashChildren(leaves[0], leaves[1]))).toBe(ROOTS[2]);
    expect(hex(EMPTY_ROOT)).toBe(ROOTS[0]);
  });

  it('gives the published root for every tree size 0..8', () => {
    for (let n = 0; n <= 8; n++) expect(hex(rootOf(leaves, n)), `size ${n}`).toBe(ROOTS[n]);
  });

  it('gives the published inclusion proofs, which verify (here and in the independent verifier)', () => {
    for (const v of INCLUSION) {
      const proof = inclusionProof(leaves, v.index, v.size);
      expect(proof.map(hex), `${v.index}@${v.size}`).toEqual(v.proof);
      expect(plannedHashes(inclusionPlan(v.index, v.size), leaves).map(hex)).toEqual(v.proof);
      const root = unhex(ROOTS[v.size]);
      expect(verifyInclusion(leaves[v.index], v.index, v.size, proof, root)).toBe(true);
      expect(independent.verifyInclusion(leaves[v.index], v.index, v.size, proof, root)).toBe(true);
    }
  });

  it('gives the published consistency proofs, which verify (here and in the independent verifier)', () => {
    for (const v of CONSISTENCY) {
      const proof = consistencyProof(leaves, v.from, v.to);
      expect(proof.map(hex), `${v.from}->${v.to}`).toEqual(v.proof);
      expect(plannedHashes(consistencyPlan(v.from, v.to), leaves).map(hex)).toEqual(v.proof);
      const [a, b] = [unhex(ROOTS[v.from]), unhex(ROOTS[v.to])];
      expect(verifyConsistency(v.from, v.to, a, b, proof)).toBe(true);
      expect(independent.verifyConsistency(v.from, v.to, a, b, proof)).toBe(true);
    }
  });

  it('rejects corrupted inclusion proofs: wrong index, size, leaf or root, and altered paths', () => {
    for (const v of INCLUSION.filter((x) => x.proof.length)) {
      const proof = v.proof.map(unhex);
      const root = unhex(ROOTS[v.size]);
      const leaf = leaves[v.index];
      for (const verify of [verifyInclusion, independent.verifyInclusion]) {
        expect(verify(leaf, v.index - 1, v.size, proof, root)).toBe(false);
        expect(verify(leaf, v.index + 1, v.size, proof, root)).toBe(false);
        expect(verify(leaf, v.index ^ 2, v.size, proof, root)).toBe(false);
        expect(verify(leaf, v.index, v.size * 2, proof, root)).toBe(false);
        expect(verify(leaf, v.index, Math.floor(v.size / 2), proof, root)).toBe(false);
        expect(verify(Buffer.from('WrongLeaf'), v.index, v.size, proof, root)).toBe(false);
        expect(verify(hashLeaf(Buffer.from('WrongLeaf')), v.index, v.size, proof, root)).toBe(false);
        expect(verify(leaf, v.index, v.size, proof, EMPTY_ROOT)).toBe(false);
        for (const p of spoiled(proof, root)) expect(verify(leaf, v.index, v.size, p, root)).toBe(false);
      }
    }
  });

  it('rejects corrupted consistency proofs', () => {
    for (const v of CONSISTENCY.filter((x) => x.proof.length)) {
      const proof = v.proof.map(unhex);
      const [a, b] = [unhex(ROOTS[v.from]), unhex(ROOTS[v.to])];
      for (const verify of [verifyConsistency, independent.verifyConsistency]) {
        expect(verify(v.from - 1, v.to, a, b, proof)).toBe(false);
        expect(verify(v.from + 1, v.to, a, b, proof)).toBe(false);
        expect(verify(v.from, v.to * 2, a, b, proof)).toBe(false);
        expect(verify(v.from, v.to, b, a, proof)).toBe(false);
        expect(verify(v.from, v.to, EMPTY_ROOT, b, proof)).toBe(false);
        expect(verify(v.from, v.to, a, EMPTY_ROOT, proof)).toBe(false);
        expect(verify(v.from, v.to, a, b, [])).toBe(false);
        for (const p of spoiled(proof, b)) expect(verify(v.from, v.to, a, b, p)).toBe(false);
      }
    }
  });

  it('handles the edge sizes the RFC leaves to the caller', () => {
    expect(verifyConsistency(0, 5, EMPTY_ROOT, unhex(ROOTS[5]), [])).toBe(true);
    expect(verifyConsistency(5, 5, unhex(ROOTS[5]), unhex(ROOTS[5]), [])).toBe(true);
    expect(verifyConsistency(5, 5, unhex(ROOTS[5]), unhex(ROOTS[4]), [])).toBe(false);
    expect(verifyConsistency(5, 4, unhex(ROOTS[5]), unhex(ROOTS[4]), [])).toBe(false);
    expect(verifyInclusion(leaves[0], 0, 0, [], EMPTY_ROOT)).toBe(false);
    expect(verifyInclusion(leaves[0], 0, 1, [], leaves[0])).toBe(true);
    expect(() => inclusionProof(leaves, 8, 8)).toThrow(RangeError);
    expect(() => consistencyProof(leaves, 5, 4)).toThrow(RangeError);
  });
});

describe('every tree shape up to 40 leaves', () => {
  const many = Array.from({ length: 40 }, (_, i) => hashLeaf(Buffer.from(`event ${i}`)));

  it('plans give the recursive definition, and every proof verifies in both implementations', () => {
    for (let n = 1; n <= many.length; n++) {
      const root = rootOf(many, n);
      expect(foldRange(rangeNodes(0, n).map((x) => rootOf(many.slice(x.index * 2 ** x.level, (x.index + 1) * 2 ** x.level))))).toEqual(root);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(many, i, n);
        expect(plannedHashes(inclusionPlan(i, n), many)).toEqual(proof);
        expect(verifyInclusion(many[i], i, n, proof, root)).toBe(true);
        expect(independent.verifyInclusion(many[i], i, n, proof, root)).toBe(true);
        if (n > 1) expect(verifyInclusion(many[(i + 1) % n], i, n, proof, root)).toBe(false);
      }
      for (let m = 0; m <= n; m++) {
        const proof = consistencyProof(many, m, n);
        expect(plannedHashes(consistencyPlan(m, n), many)).toEqual(proof);
        const first = rootOf(many, m);
        expect(verifyConsistency(m, n, first, root, proof)).toBe(true);
        expect(independent.verifyConsistency(m, n, first, root, proof)).toBe(true);
        if (m > 0 && m < n) expect(verifyConsistency(m, n, rootOf(many, m - 1), root, proof)).toBe(false);
      }
    }
  });

  it('the independent verifier’s frontier gives the same roots', () => {
    const f = new independent.Frontier();
    for (let n = 1; n <= many.length; n++) {
      f.push(many[n - 1].toString('latin1'));
      expect(f.root()).toEqual(rootOf(many, n));
    }
  });

  it('works with indexes beyond 2^32 (plain arithmetic, no 32-bit bit operators)', () => {
    const n = 2 ** 33 + 5;
    const plan = inclusionPlan(2 ** 32 + 3, n);
    expect(plan.length).toBeGreaterThan(30);
    for (const [s, e] of plan) expect(rangeNodes(s, e).length).toBeGreaterThan(0);
    expect(consistencyPlan(2 ** 32 + 1, n).length).toBeGreaterThan(30);
  });
});
