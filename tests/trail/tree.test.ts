/** The persisted Merkle tree: roots and proofs for every size match pure recomputation, on every store. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { AuditLog } from '../../src/trail/log.ts';
import { AuditTree } from '../../src/trail/tree.ts';
import { leafHash } from '../../src/trail/event.ts';
import { consistencyProof, inclusionProof, rootOf, verifyInclusion } from '../../src/trail/merkle.ts';
import type { Store } from '../../src/store/store.ts';

const event = (i: number) => ({ kind: 'decision', child: '9434765919', section: 'immunisations', decision: 'permit' as const, actor: { user: `u${i}` } });

async function storedLeaves(store: Store): Promise<Buffer[]> {
  const r = await store.query<{ seq: number; body: string; leaf_hash: Uint8Array }>('select seq, body, leaf_hash from audit_events order by seq', []);
  return r.rows.map((row, i) => {
    expect(row.seq).toBe(i);
    const h = Buffer.from(row.leaf_hash);
    expect(h).toEqual(leafHash(Buffer.from(row.body, 'utf8')));
    return h;
  });
}

/** The store with its query calls counted (for the "one query per proof" promise). */
function counting(store: Store): { store: Store; count: () => number; reset: () => void } {
  let n = 0;
  const wrapped: Store = Object.create(store);
  wrapped.query = (sql, params) => {
    n++;
    return store.query(sql, params);
  };
  return { store: wrapped, count: () => n, reset: () => (n = 0) };
}

describe.each(storeKinds)('audit tree: $name', (kind) => {
  let store: Store;
  let log: AuditLog;
  let tree: AuditTree;
  let leaves: Buffer[];
  const N = 100;

  beforeAll(async () => {
    store = await kind.open();
    tree = new AuditTree(store);
    log = new AuditLog(store, tree);
    // Batches of every size from 1 up, so subtrees complete inside and across batches.
    let i = 0;
    for (let b = 1; i < N; b++) {
      const size = Math.min(b, N - i);
      await log.append(Array.from({ length: size }, (_, j) => event(i + j)));
      i += size;
    }
    leaves = await storedLeaves(store);
  });
  afterAll(async () => {
    await log?.close();
    await store?.close();
  });

  it('has one leaf per event and the root of every size', async () => {
    expect(leaves).toHaveLength(N);
    expect(await tree.size()).toBe(N);
    for (let n = 0; n <= N; n++) expect(await tree.root(n), `root(${n})`).toEqual(rootOf(leaves, n));
  });

  it('gives the inclusion proof of every leaf for many sizes', async () => {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 32, 33, 63, 64, 65, 99, 100]) {
      const root = rootOf(leaves, n);
      for (let i = 0; i < n; i++) {
        const proof = await tree.inclusionProof(i, n);
        expect(proof, `inclusion ${i}@${n}`).toEqual(inclusionProof(leaves, i, n));
        expect(verifyInclusion(leaves[i], i, n, proof, root)).toBe(true);
      }
    }
  });

  it('gives consistency proofs between many sizes', async () => {
    const sizes = [0, 1, 2, 3, 4, 6, 7, 8, 9, 15, 16, 17, 31, 32, 50, 64, 65, 99, 100];
    for (const m of sizes) for (const n of sizes.filter((s) => s >= m)) {
      expect(await tree.consistencyProof(m, n), `consistency ${m}->${n}`).toEqual(consistencyProof(leaves, m, n));
    }
  });

  it('reads the nodes of a root or proof in one query', async () => {
    const c = counting(store);
    const t = new AuditTree(c.store);
    await t.inclusionProof(37, 99);
    expect(c.count()).toBe(1);
    c.reset();
    await t.consistencyProof(37, 99);
    expect(c.count()).toBe(1);
    c.reset();
    await t.root(77);
    expect(c.count()).toBe(1);
  });

  it('refuses sizes beyond the tree', async () => {
    await expect(tree.root(N + 1)).rejects.toThrow(RangeError);
    await expect(tree.inclusionProof(0, N + 1)).rejects.toThrow(RangeError);
    await expect(tree.consistencyProof(N, N + 1)).rejects.toThrow(RangeError);
    await expect(tree.consistencyProof(0, N + 5)).rejects.toThrow(RangeError);
    await expect(tree.inclusionProof(N, N)).rejects.toThrow(RangeError);
  });

  it('keeps up with concurrent appends gathered into group commits', async () => {
    await Promise.all(Array.from({ length: 150 }, (_, i) => log.appendOne(event(1000 + i))));
    const all = await storedLeaves(store);
    expect(await tree.size()).toBe(all.length);
    expect(await tree.root(all.length)).toEqual(rootOf(all));
    expect(await tree.inclusionProof(N + 7, all.length)).toEqual(inclusionProof(all, N + 7, all.length));
    leaves = all;
  });

  it('catches up with events appended without the hook', async () => {
    const bare = new AuditLog(store); // a writer that forgot the hook
    await bare.append(Array.from({ length: 11 }, (_, i) => event(2000 + i)));
    await bare.close();
    expect(await tree.size()).toBe(leaves.length);
    await log.append([event(3000), event(3001)]); // the next hooked append catches up first
    const all = await storedLeaves(store);
    expect(await tree.size()).toBe(all.length);
    expect(await tree.root(all.length)).toEqual(rootOf(all));

    // sync() covers start-up: events written meanwhile by a process without the hook.
    const late = new AuditLog(store);
    await late.append([event(4000), event(4001), event(4002)]);
    await late.close();
    expect(await tree.sync()).toBe(all.length + 3);
    const after = await storedLeaves(store);
    expect(await tree.root(after.length)).toEqual(rootOf(after));
    leaves = after;
  });

  it('writes a batch in one statement when this writer appended last', async () => {
    const counted = counting(store);
    const t = new AuditTree(counted.store);
    const own = new AuditLog(counted.store, t);
    await own.appendOne(event(5000)); // the first append learns the frontier (a transaction)
    counted.reset();
    const fastBefore = own.fastBatches;
    await own.append([event(5001), event(5002), event(5003)]);
    expect(counted.count()).toBe(1);
    expect(own.fastBatches).toBe(fastBefore + 1);
    await own.close();
    const all = await storedLeaves(store);
    expect(await tree.root(all.length)).toEqual(rootOf(all));
    leaves = all;
  });

  it('renumbers and resends a batch when another writer appended in between, and stays gap-free', async () => {
    // Two writers with their own trees, as two processes have: each one's remembered frontier goes stale
    // whenever the other appends; its next statement must change nothing and bring back the new head.
    const a = new AuditLog(store, new AuditTree(store));
    const b = new AuditLog(store, new AuditTree(store));
    for (let round = 0; round < 6; round++) {
      await a.append([event(6000 + round), event(6100 + round)]);
      await b.appendOne(event(6200 + round));
      if (round % 2) await Promise.all([a.appendOne(event(6300 + round)), b.appendOne(event(6400 + round))]);
    }
    // After the other writer's append, a's next batch misses once and goes through on its second statement.
    await b.appendOne(event(6450));
    const [fast, missed] = [a.fastBatches, a.missedBatches];
    await a.appendOne(event(6500));
    expect([a.fastBatches, a.missedBatches]).toEqual([fast + 1, missed + 1]);
    await a.appendOne(event(6501));
    expect([a.fastBatches, a.missedBatches]).toEqual([fast + 2, missed + 1]);
    expect(b.missedBatches).toBeGreaterThan(0);
    await Promise.all([a.close(), b.close()]);
    const all = await storedLeaves(store); // checks seq = 0..n-1 and every leaf hash
    expect(await tree.size()).toBe(all.length);
    expect(await tree.root(all.length)).toEqual(rootOf(all));
    expect(await tree.inclusionProof(all.length - 3, all.length)).toEqual(inclusionProof(all, all.length - 3, all.length));
    leaves = all;
  });

  it('is not misled by an append inside a transaction that rolls back', async () => {
    await log.appendOne(event(7000));
    await expect(store.transaction(async (tx) => {
      await log.appendWithin(tx, [event(7001), event(7002)]);
      throw new Error('the caller gives up');
    })).rejects.toThrow('gives up');
    const fast = log.fastBatches;
    await log.appendOne(event(7003));
    expect(log.fastBatches).toBe(fast + 1); // the head is back where this writer left it
    const all = await storedLeaves(store);
    expect(await tree.root(all.length)).toEqual(rootOf(all));
    leaves = all;
  });

  it('keeps the node table append-only', async () => {
    await expect(store.query('update audit_merkle_nodes set hash = hash', [])).rejects.toThrow(/append-only/);
    await expect(store.query('delete from audit_merkle_nodes where level = 0 and idx = 0', [])).rejects.toThrow(/append-only/);
    await expect(store.query('truncate audit_merkle_nodes', [])).rejects.toThrow(/append-only/);
    await store.query(`insert into audit_checkpoints (tree_size, root_hash, ts, note) values (0, $1, now(), 'x')`, [Buffer.alloc(32)]);
    await expect(store.query('update audit_checkpoints set note = $1', ['y'])).rejects.toThrow(/append-only/);
    await expect(store.query('delete from audit_checkpoints', [])).rejects.toThrow(/append-only/);
    await expect(store.query('truncate audit_checkpoints', [])).rejects.toThrow(/append-only/);
  });
});
