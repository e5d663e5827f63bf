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
import { Batcher } from '../store/batcher.ts';
import { appendIfHeadAt, insertEvents, reserveSeqs, type EventRows } from '../store/tables/audit-events.ts';
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

const MAX_BATCH = 2000;
const tracer = trace.getTracer('needtoknow');

/** What use cases need of the log: appending events and waiting for their commit. */
export type TrailAppender = Pick<AuditLog, 'append' | 'appendOne'>;

/**
 * Appends of one event-loop turn are written as one batch, one batch at a time (src/store/batcher.ts):
 * while a batch is out, new appends gather into the next instead of each taking a pool connection and
 * queueing for the audit_head row lock.
 */
export class AuditLog {
  private readonly batcher: Batcher<Prepared, AppendedEvent>;
  private closed = false;
  /** Counters for /metrics (ntk_audit_appended_batches_total, ntk_audit_appended_events_total). */
  batches = 0;
  events = 0;

  /** Counters for tests and the bench: batches written by the one statement, and its misses (another writer appended first). */
  fastBatches = 0;
  missedBatches = 0;
  slowBatches = 0;

  /** While set and unproven (guard.ts), appends are refused with TrailUnproven: nothing extends a history that cannot be proved. */
  private guard?: { assertProven(): void };

  guardWith(guard: { assertProven(): void }): void {
    this.guard = guard;
  }

  /** `tree`: the Merkle tree written with the events (a log without one writes events only, as older writers did). */
  constructor(
    private readonly store: Store,
    private readonly tree?: AuditTree,
  ) {
    this.batcher = new Batcher((batch) => this.flush(batch), MAX_BATCH);
  }

  /** Appends events and resolves once they are committed, in the given order. */
  append(inputs: AuditEventInput[]): Promise<AppendedEvent[]> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('audit log is closed'));
    try {
      this.guard?.assertProven();
    } catch (err) {
      return Promise.reject(err);
    }
    return Promise.all(inputs.map((input) => {
      let prepared: Prepared;
      try {
        prepared = prepare(input);
      } catch (err) {
        return Promise.reject(err);
      }
      return this.batcher.submit(prepared);
    }));
  }

  appendOne(input: AuditEventInput): Promise<AppendedEvent> {
    return this.append([input]).then((r) => r[0]);
  }

  /** Waits for queued events to be written, then refuses new ones. */
  async close(): Promise<void> {
    while (!this.batcher.idle) await new Promise((r) => setTimeout(r, 5));
    this.closed = true;
  }

  /** One batch; if it cannot be written, every waiter gets the same StoreUnavailableError. */
  private async flush(batch: Prepared[]): Promise<AppendedEvent[]> {
    try {
      const written = await tracer.startActiveSpan('audit.append', async (span) => {
        span.setAttribute('ntk.audit.batch_size', batch.length);
        try {
          return await this.write(batch);
        } finally {
          span.end();
        }
      });
      this.batches++;
      this.events += batch.length;
      return written;
    } catch (err) {
      throw new StoreUnavailableError('the audit trail could not be written', { cause: err });
    }
  }

  /**
   * Appends inside the caller's transaction, so the events commit (or roll back) with the caller's
   * writes: used where a fact change and its audit event must be one atomic step. Holds the
   * audit_head row lock until that transaction ends, so keep such transactions short.
   */
  async appendWithin(tx: Queryable, inputs: AuditEventInput[]): Promise<AppendedEvent[]> {
    if (!inputs.length) return [];
    this.guard?.assertProven();
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
    const row = await appendIfHeadAt(this.store, first, rows.events, grown.rows);
    if (row.appended) {
      this.fastBatches++;
      this.tree!.remember(grown.after);
      return { events: prepared.map((p, i) => ({ id: p.id, seq: first + i, ts: p.ts })) };
    }
    this.missedBatches++;
    // The head and frontier as the statement saw them; a frontier with a node missing means the tree
    // lags behind the head (events appended without it), which only the slow path repairs.
    const size = row.size;
    const nodes = row.frontier ?? [];
    if (size === null || nodes.length !== popcount(size)) return {};
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
    const first = await reserveSeqs(tx, n);
    const rows = rowsOf(prepared, first);
    await insertEvents(tx, first, rows.events);
    const after = this.tree ? await this.tree.append(tx, first, rows.leaves) : undefined;
    return { events: prepared.map((p, i) => ({ id: p.id, seq: first + i, ts: p.ts })), after };
  }
}

/** One-statement attempts before a batch takes the transaction (each miss means another writer appended meanwhile). */
const OPTIMISTIC_ATTEMPTS = 3;

function popcount(n: number): number {
  let c = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) c += x % 2;
  return c;
}

/** The bodies numbered from `first`, their leaf hashes, and the rows to insert. */
function rowsOf(prepared: Prepared[], first: number): { leaves: Buffer[]; events: EventRows } {
  const bodies = prepared.map((p, i) => `${p.head}${first + i}${p.tail}`);
  const leaves = bodies.map((b) => leafHash(Buffer.from(b, 'utf8')));
  const inputs = prepared.map((p) => p.input);
  return {
    leaves,
    events: {
      ids: prepared.map((p) => p.id),
      ts: prepared.map((p) => p.ts),
      kinds: inputs.map((e) => e.kind),
      actors: inputs.map((e) => e.actor?.user ?? null),
      actorOrgs: inputs.map((e) => e.actor?.org ?? null),
      children: inputs.map((e) => e.child ?? null),
      sections: inputs.map((e) => e.section ?? null),
      decisions: inputs.map((e) => e.decision ?? null),
      breakGlass: inputs.map((e) => e.breakGlass === true),
      requestIds: inputs.map((e) => e.requestId ?? null),
      bodies,
      leafHashes: leaves,
    },
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
