/**
 * Appends simulated events at the times they are said to have happened (the AuditLog stamps "now"):
 * the same canonical body, leaf hash and Merkle nodes as src/trail/log.ts writes (AuditTree.append
 * extends the tree), in batches of one transaction each. The simulator must be the only writer meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { AuditTree } from '../../src/trail/tree.ts';
import { canonicalBytes, leafHash, type AuditEventInput } from '../../src/trail/event.ts';
import type { Store } from '../../src/store/store.ts';

export interface TimedEvent extends AuditEventInput {
  /** Milliseconds since the epoch. */
  at: number;
}

const BATCH = 5_000;
const INSERT = `insert into audit_events (seq, id, ts, kind, actor, actor_org, child, section, decision, break_glass, request_id, body, leaf_hash)
  select $1::bigint + u.ord - 1, u.id, u.ts, u.kind, u.actor, u.actor_org, u.child, u.section, u.decision, u.break_glass, u.request_id, u.body, u.leaf_hash
    from unnest($2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::boolean[], $11::text[], $12::text[], $13::bytea[])
      with ordinality as u(id, ts, kind, actor, actor_org, child, section, decision, break_glass, request_id, body, leaf_hash, ord)`;

/** Appends `events` in time order (stable); returns the audit id given to each, in the order given. */
export async function appendTimed(store: Store, events: TimedEvent[]): Promise<string[]> {
  const order = events.map((e, i) => i).sort((a, b) => events[a].at - events[b].at || a - b);
  const ids: string[] = new Array(events.length);
  const tree = new AuditTree(store);
  for (let from = 0; from < order.length; from += BATCH) {
    const slice = order.slice(from, from + BATCH);
    await store.transaction(async (tx) => {
      const head = await tx.query<{ tree_size: string }>('update audit_head set tree_size = tree_size + $1 where id = 1 returning tree_size', [slice.length]);
      const first = Number(head.rows[0].tree_size) - slice.length;
      const rows = slice.map((k, i) => {
        const { at, ...input } = events[k];
        const id = randomUUID();
        ids[k] = id;
        const ts = new Date(at).toISOString();
        const body = canonicalBytes({ v: 1, seq: first + i, id, ts, ...input });
        return { input, id, ts, body: body.toString('utf8'), leaf: leafHash(body) };
      });
      await tx.query(INSERT, [
        first, rows.map((r) => r.id), rows.map((r) => r.ts), rows.map((r) => r.input.kind), rows.map((r) => r.input.actor?.user ?? null),
        rows.map((r) => r.input.actor?.org ?? null), rows.map((r) => r.input.child ?? null), rows.map((r) => r.input.section ?? null),
        rows.map((r) => r.input.decision ?? null), rows.map((r) => r.input.breakGlass === true), rows.map((r) => r.input.requestId ?? null),
        rows.map((r) => r.body), rows.map((r) => r.leaf),
      ]);
      await tree.append(tx, first, rows.map((r) => r.leaf));
    });
  }
  return ids;
}
