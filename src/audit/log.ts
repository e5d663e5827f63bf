/**
 * The audit log writer, with group commit.
 *
 * Callers `append()` events and wait; concurrent appends are gathered into one transaction.
 * Inside it, sequence numbers are reserved by incrementing the single audit_head row (its row lock
 * serialises every writer, across processes too), so the sequence is gap-free and totally ordered.
 * The promise resolves only after COMMIT: a caller that has its AppendedEvent knows the event is durable.
 * If the transaction fails, every waiter in the batch is rejected and nothing of the batch is kept
 * (fail closed: the caller must not act on an unaudited decision).
 */
import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import type { Queryable, Store } from '../store/store.ts';
import { StoreUnavailableError } from '../store/store.ts';
import { canonicalBytes, leafHash, type AuditEventInput } from './event.ts';

export interface AppendedEvent {
  id: string;
  seq: number;
  ts: string;
}

/** Called inside the append transaction with the new leaves, so derived state (the Merkle tree) commits with them. */
export type AppendHook = (tx: Queryable, firstSeq: number, leafHashes: Buffer[]) => Promise<void>;

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
  private hooks: AppendHook[] = [];
  private closed = false;
  /** Counters for /metrics. */
  batches = 0;
  events = 0;

  constructor(private readonly store: Store) {}

  onAppend(hook: AppendHook): void {
    this.hooks.push(hook);
  }

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
    const written = await this.writeIn(tx, inputs.map(prepare));
    this.events += inputs.length;
    return written;
  }

  private write(inputs: Prepared[]): Promise<AppendedEvent[]> {
    return this.store.transaction((tx) => this.writeIn(tx, inputs));
  }

  /**
   * Reserves the sequence numbers (the audit_head row lock, held to commit), splices each seq into
   * its canonical body built by prepare() before the lock, hashes and inserts. Only the splice and a
   * SHA-256 per event run while the lock is held.
   */
  private async writeIn(tx: Queryable, prepared: Prepared[]): Promise<AppendedEvent[]> {
    const n = prepared.length;
    const head = await tx.query<{ tree_size: number }>('update audit_head set tree_size = tree_size + $1 where id = 1 returning tree_size', [n]);
    const first = head.rows[0].tree_size - n;
    const bodies = prepared.map((p, i) => Buffer.from(`${p.head}${first + i}${p.tail}`, 'utf8'));
    const leaves = bodies.map(leafHash);
    const inputs = prepared.map((p) => p.input);
    await tx.query(
      `insert into audit_events (seq, id, ts, kind, actor, actor_org, child, section, decision, break_glass, request_id, body, leaf_hash)
       select $1::bigint + u.ord - 1, u.id, u.ts, u.kind, u.actor, u.actor_org, u.child, u.section, u.decision, u.break_glass, u.request_id, u.body, u.leaf_hash
         from unnest($2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                     $10::boolean[], $11::text[], $12::text[], $13::bytea[])
              with ordinality as u(id, ts, kind, actor, actor_org, child, section, decision, break_glass, request_id, body, leaf_hash, ord)`,
      [
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
        bodies.map((b) => b.toString('utf8')),
        leaves,
      ],
    );
    for (const hook of this.hooks) await hook(tx, first, leaves);
    return prepared.map((p, i) => ({ id: p.id, seq: first + i, ts: p.ts }));
  }
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
