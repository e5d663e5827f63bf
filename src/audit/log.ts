/**
 * The audit log writer, with group commit.
 *
 * Callers `append()` events and wait; concurrent appends are gathered into one batch, written in one
 * statement (or, when another process appended last, one transaction: see `write`). Sequence numbers
 * are reserved by incrementing the single audit_head row (its row lock serialises every writer, across
 * processes too), so the sequence is gap-free and totally ordered.
 * The promise resolves only after COMMIT: a caller that has its AppendedEvent knows the event is durable.
 * If the write fails, every waiter in the batch is rejected and nothing of the batch is kept
 * (fail closed: the caller must not act on an unaudited decision).
 */
import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import type { Queryable, Store } from '../store/store.ts';
import { StoreUnavailableError } from '../store/store.ts';
import { canonicalBytes, leafHash, type AuditEventInput } from './event.ts';
import { growTree, type AuditTree, type Frontier } from './tree.ts';

export interface AppendedEvent {
  id: string;
  seq: number;
  ts: string;
}


interface Prepared {
  input: AuditEventInput;
  id: string;
  ts: string;
  /** The canonical body before and after the seq's digits. */
  head: string;
  tail: string;
}

interface Pending {
  prepared: Prepared;
  resolve: (e: AppendedEvent) => void;
  reject: (err: unknown) => void;
}

const MAX_BATCH = 2000;
const tracer = trace.getTracer('needtoknow');

export class AuditLog {
  private queue: Pending[] = [];
  private flushing = false;
  private closed = false;
  /** Counters for /metrics. */
  batches = 0;
  events = 0;

  /** Counters for tests and the bench: batches written by the one statement, and its misses (another writer appended first). */
  fastBatches = 0;
  missedBatches = 0;
  slowBatches = 0;

  /** `tree`: the Merkle tree written with the events (a log without one writes events only, as older writers did). */
  constructor(
    private readonly store: Store,
    private readonly tree?: AuditTree,
  ) {}

  /** Appends events and resolves once they are committed, in the given order. */
  append(inputs: AuditEventInput[]): Promise<AppendedEvent[]> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('audit log is closed'));
    const promises = inputs.map(
      (input) => new Promise<AppendedEvent>((resolve, reject) => this.queue.push({ prepared: prepare(input), resolve, reject })),
    );
    this.kick();
    return Promise.all(promises);
  }

  appendOne(input: AuditEventInput): Promise<AppendedEvent> {
    return this.append([input]).then((r) => r[0]);
  }

  /** Waits for queued events to be written, then refuses new ones. */
  async close(): Promise<void> {
    while (this.queue.length || this.flushing) await new Promise((r) => setTimeout(r, 5));
    this.closed = true;
  }

  private kick(): void {
    if (this.flushing || !this.queue.length) return;
    this.flushing = true;
    // Let the events of this tick join the batch before writing.
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, MAX_BATCH);
    try {
      const written = await tracer.startActiveSpan('audit.append', async (span) => {
        span.setAttribute('ntk.audit.batch_size', batch.length);
        try {
          return await this.write(batch.map((p) => p.prepared));
        } finally {
          span.end();
        }
      });
      this.batches++;
      this.events += batch.length;
      batch.forEach((p, i) => p.resolve(written[i]));
    } catch (err) {
      const failure = new StoreUnavailableError('the audit trail could not be written', { cause: err });
      for (const p of batch) p.reject(failure);
    } finally {
      this.flushing = false;
      this.kick();
    }
  }

  /**
   * Appends inside the caller's transaction, so the events commit (or roll back) with the caller's
   * writes: used where a fact change and its audit event must be one atomic step. Holds the
   * audit_head row lock until that transaction ends, so keep such transactions short.
   */
  async appendWithin(tx: Queryable, inputs: AuditEventInput[]): Promise<AppendedEvent[]> {
    if (!inputs.length) return [];
    // The caller's transaction may yet roll back, so what it leaves behind is not remembered.
    const { events } = await this.writeIn(tx, inputs.map(prepare));
    this.events += inputs.length;
    return events;
  }

  /**
   * One batch. The usual case is ONE autocommit statement: when this process made the last append, it
   * knows the tree's frontier at that size, so it can number the events, hash them and compute the new
   * Merkle nodes before talking to the database, and send the audit_head update (conditional on the head
   * still being at that size), the events and the nodes together. When another writer moved the head,
   * the statement changes nothing and answers with the head and frontier it saw instead, and the batch is
   * renumbered and sent again (optimistic: no lock is held between statements). After a few misses, or
   * when the tree lags behind the head, the batch goes the slow way: a transaction that takes the head's
   * row lock first.
   */
  private async write(prepared: Prepared[]): Promise<AppendedEvent[]> {
    let known = this.tree?.remembered();
    for (let attempt = 0; known && attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
      const r = await this.writeAt(known, prepared).catch((err: unknown) => {
        this.tree!.forget();
        throw err;
      });
      if (r.events) return r.events;
      known = r.current;
      if (known) this.tree!.remember(known);
    }
    this.tree?.forget();
    this.slowBatches++;
    const { events, after } = await this.store.transaction((tx) => this.writeIn(tx, prepared));
    if (after) this.tree!.remember(after);
    return events;
  }

  private async writeAt(known: Frontier, prepared: Prepared[]): Promise<{ events?: AppendedEvent[]; current?: Frontier }> {
    const first = known.size;
    const rows = rowsOf(prepared, first);
    const grown = growTree(known, rows.leaves);
    const r = await this.store.query<{ appended: number; size: string | null; frontier: { level: number; hash: string }[] | null }>(APPEND_AT, [
      ...rows.params, prepared.length, grown.rows.levels, grown.rows.indexes, grown.rows.hashes,
    ]);
    const row = r.rows[0];
    if (Number(row.appended) === 1) {
      this.fastBatches++;
      this.tree!.remember(grown.after);
      return { events: prepared.map((p, i) => ({ id: p.id, seq: first + i, ts: p.ts })) };
    }
    this.missedBatches++;
    // The head and frontier as the statement saw them; a frontier with a node missing means the tree
    // lags behind the head (events appended without it), which only the slow path repairs.
    const size = Number(row.size);
    const nodes = row.frontier ?? [];
    if (row.size === null || nodes.length !== popcount(size)) return {};
    const pending: Buffer[] = [];
    for (const n of nodes) pending[n.level] = Buffer.from(n.hash, 'hex');
    return { current: { size, pending } };
  }

  /**
   * Reserves the sequence numbers (the audit_head row lock, held to commit), splices each seq into
   * its canonical body built by prepare() before the lock, hashes and inserts. Only the splice and a
   * SHA-256 per event run while the lock is held.
   */
  private async writeIn(tx: Queryable, prepared: Prepared[]): Promise<{ events: AppendedEvent[]; after?: Frontier }> {
    const n = prepared.length;
    const head = await tx.query<{ tree_size: number }>('update audit_head set tree_size = tree_size + $1 where id = 1 returning tree_size', [n]);
    const first = Number(head.rows[0].tree_size) - n;
    const rows = rowsOf(prepared, first);
    await tx.query(INSERT_EVENTS, rows.params);
    const after = this.tree ? await this.tree.append(tx, first, rows.leaves) : undefined;
    return { events: prepared.map((p, i) => ({ id: p.id, seq: first + i, ts: p.ts })), after };
  }
}

/** $1 the first seq, $2..$13 the columns, one array each. */
const EVENTS_FROM = `select $1::bigint + u.ord - 1, u.id, u.ts, u.kind, u.actor, u.actor_org, u.child, u.section, u.decision, u.break_glass, u.request_id, u.body, u.leaf_hash
    from unnest($2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                $10::boolean[], $11::text[], $12::text[], $13::bytea[])
         with ordinality as u(id, ts, kind, actor, actor_org, child, section, decision, break_glass, request_id, body, leaf_hash, ord)`;
const EVENT_COLUMNS = 'seq, id, ts, kind, actor, actor_org, child, section, decision, break_glass, request_id, body, leaf_hash';
const INSERT_EVENTS = `insert into audit_events (${EVENT_COLUMNS}) ${EVENTS_FROM}`;

/**
 * The one-statement append: $14 events at seq $1.. if and only if audit_head is still at $1, with their
 * Merkle nodes ($15-$17). The update takes the row lock (waiting for any other writer to commit, then
 * re-checking the size), so the inserts happen exactly when the numbering was right; `appended` says which.
 * When it was wrong, `size` and `frontier` are the head and the frontier nodes of the statement's snapshot
 * (one snapshot, so they agree): node (b, (size >> b) - 1) for every bit b set in size.
 */
const APPEND_AT = `with head as (
    update audit_head set tree_size = tree_size + $14 where id = 1 and tree_size = $1 returning tree_size),
  events as (
    insert into audit_events (${EVENT_COLUMNS}) ${EVENTS_FROM} where exists (select from head)),
  nodes as (
    insert into audit_merkle_nodes (level, idx, hash)
    select * from unnest($15::smallint[], $16::bigint[], $17::bytea[]) where exists (select from head)),
  cur as (
    select tree_size from audit_head where id = 1 and not exists (select from head))
  select (select count(*)::int from head) as appended,
    (select tree_size from cur) as size,
    (select json_agg(json_build_object('level', n.level, 'hash', encode(n.hash, 'hex')))
       from cur cross join generate_series(0, 62) as b(level)
       join audit_merkle_nodes n on n.level = b.level and n.idx = (cur.tree_size >> b.level) - 1
      where (cur.tree_size >> b.level) & 1 = 1) as frontier`;

/** One-statement attempts before a batch takes the transaction (each miss means another writer appended meanwhile). */
const OPTIMISTIC_ATTEMPTS = 3;

function popcount(n: number): number {
  let c = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) c += x % 2;
  return c;
}

/** The bodies numbered from `first`, their leaf hashes, and the insert's parameters $1..$13. */
function rowsOf(prepared: Prepared[], first: number): { leaves: Buffer[]; params: unknown[] } {
  const bodies = prepared.map((p, i) => `${p.head}${first + i}${p.tail}`);
  const leaves = bodies.map((b) => leafHash(Buffer.from(b, 'utf8')));
  const inputs = prepared.map((p) => p.input);
  return {
    leaves,
    params: [
      first,
      prepared.map((p) => p.id),
      prepared.map((p) => p.ts),
      inputs.map((e) => e.kind),
      inputs.map((e) => e.actor?.user ?? null),
      inputs.map((e) => e.actor?.org ?? null),
      inputs.map((e) => e.child ?? null),
      inputs.map((e) => e.section ?? null),
      inputs.map((e) => e.decision ?? null),
      inputs.map((e) => e.breakGlass === true),
      inputs.map((e) => e.requestId ?? null),
      bodies,
      leaves,
    ],
  };
}

/** A seq no real event reaches, marking where the seq goes in the canonical body. */
const SEQ_MARK = 2 ** 52 - 1;
const SEQ_FIELD = `"seq":${SEQ_MARK}`;

/** The event's canonical body, split around its seq, built outside the lock. */
function prepare(input: AuditEventInput): Prepared {
  const id = randomUUID();
  const ts = new Date().toISOString();
  const text = canonicalBytes({ v: 1, seq: SEQ_MARK, id, ts, ...input }).toString('utf8');
  const at = text.indexOf(SEQ_FIELD);
  if (at < 0 || text.indexOf(SEQ_FIELD, at + 1) >= 0) throw new Error('audit event cannot be canonicalised');
  return { input, id, ts, head: text.slice(0, at) + '"seq":', tail: text.slice(at + SEQ_FIELD.length) };
}
