/**
 * The audit_merkle_nodes table: the hash of every complete subtree of the audit tree, by (level, idx),
 * written once with the events that complete it (src/trail/tree.ts). Shared by both stores.
 */
import type { Queryable } from '../store.ts';

/** Nodes to insert, one array per column. */
export interface NodeRows {
  levels: number[];
  indexes: number[];
  hashes: Buffer[];
}

export interface NodeRow {
  level: number;
  idx: number;
  hash: Uint8Array;
}

/** SQL: insert the nodes given as three array parameters (e.g. '$1', '$2', '$3'). */
export const insertNodesFrom = (levels: string, indexes: string, hashes: string): string =>
  `insert into audit_merkle_nodes (level, idx, hash) select * from unnest(${levels}::smallint[], ${indexes}::bigint[], ${hashes}::bytea[])`;

/**
 * SQL expression: the frontier of the tree at the size given by `sizeExpr`, as a JSON array of
 * {level, hash (hex)}: node (b, (size >> b) - 1) for every bit b set in size. `from` names the
 * relation `sizeExpr` reads from.
 */
export const frontierJson = (from: string, sizeExpr: string): string =>
  `(select json_agg(json_build_object('level', n.level, 'hash', encode(n.hash, 'hex')))
       from ${from} cross join generate_series(0, 62) as b(level)
       join audit_merkle_nodes n on n.level = b.level and n.idx = (${sizeExpr} >> b.level) - 1
      where (${sizeExpr} >> b.level) & 1 = 1)`;

export async function insertNodes(db: Queryable, rows: NodeRows): Promise<void> {
  await db.query(insertNodesFrom('$1', '$2', '$3'), [rows.levels, rows.indexes, rows.hashes]);
}

/** The stored nodes among those named, in one query; missing nodes are absent. */
export async function nodesAt(db: Queryable, nodes: readonly { level: number; index: number }[]): Promise<NodeRow[]> {
  const r = await db.query<NodeRow>(
    `select n.level, n.idx, n.hash
       from audit_merkle_nodes n
       join unnest($1::smallint[], $2::bigint[]) as w(level, idx) on n.level = w.level and n.idx = w.idx`,
    [nodes.map((n) => n.level), nodes.map((n) => n.index)],
  );
  return r.rows;
}

/** The number of leaves stored. */
export async function leafCount(db: Queryable): Promise<number> {
  const r = await db.query<{ size: number }>('select coalesce(max(idx) + 1, 0)::int8 as size from audit_merkle_nodes where level = 0', []);
  return Number(r.rows[0].size);
}

/** The stored nodes of one level with from <= idx < to, in order. */
export async function nodesInRange(db: Queryable, level: number, from: number, to: number): Promise<NodeRow[]> {
  const r = await db.query<NodeRow>('select level, idx, hash from audit_merkle_nodes where level = $1 and idx >= $2 and idx < $3 order by idx', [level, from, to]);
  return r.rows;
}
