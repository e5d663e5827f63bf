/**
 * One statement in flight, gathering what arrives meanwhile: items submitted in one event-loop turn
 * (and while the previous batch is out) are handed to `send` together, up to `max` at a time, and each
 * caller gets its own answer. Used by the audit log (appends) and the fact reader (decision reads).
 *
 * One batch at a time is what makes batching work under load: while a statement is out, new items
 * gather into the next one instead of each taking a pool connection of its own and queueing there as
 * PostgreSQL falls behind (BENCHMARKS.md has the measurements).
 *
 * @example
 *   const reads = new Batcher((ids: string[]) => readMany(db, ids), 200);
 *   const row = await reads.submit('a');
 */
interface Waiting<In, Out> {
  input: In;
  resolve: (out: Out) => void;
  reject: (err: unknown) => void;
}

export class Batcher<In, Out> {
  private queue: Waiting<In, Out>[] = [];
  private sending = false;

  /**
   * `send` answers a batch with one output per input, in order; when it throws, every caller of the
   * batch is rejected with what it threw.
   */
  constructor(
    private readonly send: (inputs: In[]) => Promise<Out[]>,
    private readonly max: number,
  ) {}

  submit(input: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.kick();
    });
  }

  /** True when nothing is queued or in flight. */
  get idle(): boolean {
    return !this.sending && !this.queue.length;
  }

  private kick(): void {
    if (this.sending || !this.queue.length) return;
    this.sending = true;
    // Let the items of this turn join the batch before sending.
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, this.max);
    try {
      const out = await this.send(batch.map((w) => w.input));
      if (out.length !== batch.length) throw new Error(`batch answered ${out.length} of ${batch.length} items`);
      batch.forEach((w, i) => w.resolve(out[i]));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.sending = false;
      this.kick();
    }
  }
}
