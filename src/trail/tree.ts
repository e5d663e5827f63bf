/**
 * The audit trail's RFC 9162 Merkle tree, persisted incrementally in audit_merkle_nodes (migration 005).
 *
 * Every complete subtree's hash is stored once, when its last leaf is appended, by the AuditLog it is given
 * to (`new AuditLog(store, tree)`), in the same statement or transaction as the events, under the
 * audit_head row lock, so nodes commit with their events and writers are serialised across processes.
 * The root of any size, and inclusion and consistency proofs between any sizes, are folds of O(log n)
 * stored nodes fetched in one query (see the plans in merkle.ts); the events themselves are never reread.
 */
import type { Queryable, Store } from '../store/store.ts';
import { eventsInSeqWindow, headSize } from '../store/tables/audit-events.ts';
import { insertNodes, leafCount, nodesAt, type NodeRows } from '../store/tables/audit-tree.ts';
import {
  consistencyPlan,
  foldRange,
  hashChildren,
  hashLeaf,
  inclusionPlan,
  rangeNodes,
  type LeafRange,
  type NodeId,
} from './merkle.ts';

/** Leaves read per query when the tree catches up with events appended without the hook. */
const CATCH_UP_CHUNK = 10_000;

const key = (level: number, index: number) => `${level}:${index}`;

function toBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Fetches the given nodes in one query; the map is keyed by `level:index`. Missing nodes are absent. */
async function fetchNodes(db: Queryable, nodes: readonly NodeId[]): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (!nodes.length) return found;
  for (const row of await nodesAt(db, nodes)) found.set(key(row.level, Number(row.idx)), toBuffer(row.hash));
  return found;
}

export class AuditTree {
  constructor(private readonly store: Store) {}

  /**
   * The frontier after this process's last committed append. Stored nodes never change, so it stays true
   * of the tree at its size forever; whether the tree is still at that size is for the database to say
   * (AuditLog's one-statement append checks audit_head under its row lock and falls back when it moved).
   */
  private last?: Frontier;

  remembered(): Frontier | undefined {
    return this.last;
  }

  remember(f: Frontier): void {
    if (!this.last || f.size >= this.last.size) this.last = f;
  }

  forget(): void {
    this.last = undefined;
  }

  /**
   * The slow path, inside the append transaction under the audit_head row lock: reads the frontier
   * (catching the tree up first if events were appended without it), writes the new nodes, and returns
   * the frontier after them, to be remembered once the transaction commits.
   */
  async append(tx: Queryable, firstSeq: number, leafHashes: Buffer[]): Promise<Frontier> {
    // One query both fetches the frontier and proves the tree has exactly firstSeq leaves:
    // leaf firstSeq - 1 must be there and leaf firstSeq must not.
    const frontier = rangeNodes(0, firstSeq);
    const probes: NodeId[] = [...frontier, { level: 0, index: firstSeq }];
    if (firstSeq > 0) probes.push({ level: 0, index: firstSeq - 1 });
    const got = await fetchNodes(tx, probes);
    const ready =
      frontier.every((n) => got.has(key(n.level, n.index))) &&
      !got.has(key(0, firstSeq)) &&
      (firstSeq === 0 || got.has(key(0, firstSeq - 1)));
    if (ready) return this.appendLeaves(tx, firstSeq, leafHashes, frontier.map((n) => got.get(key(n.level, n.index))!));
    await this.catchUp(tx, firstSeq);
    return this.appendLeaves(tx, firstSeq, leafHashes);
  }

  /** Number of leaves in the tree (equal to the committed audit events when the hook is registered). */
  size(): Promise<number> {
    return leafCount(this.store);
  }

  /** MTH of the first `size` leaves. */
  async root(size: number): Promise<Buffer> {
    const nodes = rangeNodes(0, checkSize(size));
    return foldRange(await this.nodeHashes(nodes, size));
  }

  /**
   * The compact range of [0, size): the hashes of the complete subtrees covering it, largest (leftmost)
   * first, one per set bit of size (the Merkle frontier; the `compactRange` of a range sidecar).
   */
  async compactRange(size: number): Promise<Buffer[]> {
    return this.nodeHashes(rangeNodes(0, checkSize(size)), size);
  }

  /** RFC 9162 inclusion proof of leaf `index` (the event's seq) in the tree of `size` leaves. */
  async inclusionProof(index: number, size: number): Promise<Buffer[]> {
    return this.prove(inclusionPlan(index, checkSize(size)), size);
  }

  /** RFC 9162 consistency proof from the tree of `from` leaves to the tree of `to` leaves. */
  async consistencyProof(from: number, to: number): Promise<Buffer[]> {
    return this.prove(consistencyPlan(checkSize(from), checkSize(to)), to);
  }

  /**
   * Brings the tree up to every committed event, e.g. at start-up after events were appended without
   * the hook (before this migration, or by a process that did not register it). Takes the audit_head
   * lock, so it cannot race an append.
   */
  async sync(): Promise<number> {
    return this.store.transaction(async (tx) => {
      const size = await headSize(tx, true);
      await this.catchUp(tx, size);
      return size;
    });
  }

  // -------------------------------------------------------------------------------------------

  private async prove(plan: LeafRange[], size: number): Promise<Buffer[]> {
    if (!plan.length) {
      // Trivial proofs need no node, but the size must still exist.
      const have = await leafCount(this.store);
      if (size > have) throw new RangeError(`tree size ${size} is beyond the audit tree (${have} leaves)`);
      return [];
    }
    const pieces = plan.map(([start, end]) => rangeNodes(start, end));
    const hashes = await this.nodeHashes(pieces.flat(), size);
    let at = 0;
    return pieces.map((p) => {
      const h = foldRange(hashes.slice(at, at + p.length));
      at += p.length;
      return h;
    });
  }

  /** The hashes of `nodes`, in order, in one query; a RangeError when the tree is smaller than `size`. */
  private async nodeHashes(nodes: NodeId[], size: number): Promise<Buffer[]> {
    const found = await fetchNodes(this.store, nodes);
    const out: Buffer[] = [];
    for (const n of nodes) {
      const h = found.get(key(n.level, n.index));
      if (!h) {
        const have = await leafCount(this.store);
        if (size > have) throw new RangeError(`tree size ${size} is beyond the audit tree (${have} leaves)`);
        throw new Error(`audit tree node ${key(n.level, n.index)} is missing below size ${have}`);
      }
      out.push(h);
    }
    return out;
  }

  /** Adds the leaves already in audit_events below `upTo` that the tree does not have yet. */
  private async catchUp(tx: Queryable, upTo: number): Promise<void> {
    let size = await leafCount(tx);
    if (size > upTo) {
      throw new Error(`audit tree has ${size} leaves but the log has only ${upTo} events before this append`);
    }
    while (size < upTo) {
      const end = Math.min(upTo, size + CATCH_UP_CHUNK);
      const rows = await eventsInSeqWindow(tx, size, end);
      if (rows.length !== end - size || rows.some((row, i) => Number(row.seq) !== size + i)) {
        const missing = rows.findIndex((row, i) => Number(row.seq) !== size + i);
        throw new Error(`audit event seq ${size + (missing < 0 ? rows.length : missing)} is missing or duplicated; the tree cannot be built past it`);
      }
      // Leaves are hashed from the bodies, as the independent verifier does, and must agree with leaf_hash.
      const leaves = rows.map((row) => {
        const h = hashLeaf(Buffer.from(row.body, 'utf8'));
        if (!h.equals(toBuffer(row.leaf_hash))) throw new Error(`audit event seq ${row.seq}: leaf_hash does not match its body`);
        return h;
      });
      await this.appendLeaves(tx, size, leaves);
      size = end;
    }
  }

  /**
   * Writes leaf nodes start.. and every complete subtree they finish, in one INSERT, and returns the
   * frontier after them. `frontier` are the hashes of rangeNodes(0, start) (fetched here when not given).
   */
  private async appendLeaves(tx: Queryable, start: number, leaves: Buffer[], frontier?: Buffer[]): Promise<Frontier> {
    const frontierNodes = rangeNodes(0, start);
    if (!frontier) {
      const got = await fetchNodes(tx, frontierNodes);
      frontier = frontierNodes.map((n) => {
        const h = got.get(key(n.level, n.index));
        if (!h) throw new Error(`audit tree node ${key(n.level, n.index)} is missing`);
        return h;
      });
    }
    const pending: (Buffer | undefined)[] = [];
    frontierNodes.forEach((n, i) => (pending[n.level] = frontier![i]));
    const grown = growTree({ size: start, pending }, leaves);
    if (leaves.length) await insertNodes(tx, grown.rows);
    return grown.after;
  }
}

/**
 * The right edge of the tree at `size`: pending[level] is the hash of the complete subtree at that level
 * still waiting for its right sibling (exactly the nodes rangeNodes(0, size) names).
 */
export interface Frontier {
  size: number;
  pending: readonly (Buffer | undefined)[];
}

/** The nodes that appending `leaves` to the tree at `from` completes (leaves included), and the frontier after. Pure. */
export function growTree(from: Frontier, leaves: readonly Buffer[]): { rows: NodeRows; after: Frontier } {
  const pending = [...from.pending];
  const rows: NodeRows = { levels: [], indexes: [], hashes: [] };
  leaves.forEach((leaf, i) => {
    let h = leaf;
    let level = 0;
    let index = from.size + i;
    rows.levels.push(0);
    rows.indexes.push(index);
    rows.hashes.push(h);
    while (index % 2 === 1) {
      h = hashChildren(pending[level]!, h);
      pending[level] = undefined;
      level++;
      index = (index - 1) / 2;
      rows.levels.push(level);
      rows.indexes.push(index);
      rows.hashes.push(h);
    }
    pending[level] = h;
  });
  return { rows, after: { size: from.size + leaves.length, pending } };
}

function checkSize(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`tree size must be a non-negative integer, got ${n}`);
  return n;
}
