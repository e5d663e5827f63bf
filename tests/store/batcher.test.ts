/** The one-in-flight batcher shared by the audit log and the fact reader. */
import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/store/batcher.ts';

/** A send function whose batches are recorded and answered only when the test says so. */
function controlled() {
  const batches: number[][] = [];
  const pending: { resolve: (v: string[]) => void; reject: (e: unknown) => void; inputs: number[] }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send = (inputs: number[]) => {
    batches.push(inputs);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<string[]>((resolve, reject) => pending.push({ inputs, resolve, reject })).finally(() => inFlight--);
  };
  const answer = () => {
    const p = pending.shift()!;
    p.resolve(p.inputs.map((i) => `#${i}`));
  };
  const fail = (err: unknown) => pending.shift()!.reject(err);
  /** Resolves once `send` has been called `n` times in all. */
  const sent = async (n: number) => {
    while (batches.length < n) await new Promise((r) => setImmediate(r));
  };
  return { send, batches, answer, fail, sent, maxInFlight: () => maxInFlight };
}

describe('Batcher', () => {
  it('sends what is submitted in one turn as one batch, and answers each caller with its own result', async () => {
    const c = controlled();
    const b = new Batcher(c.send, 10);
    const answers = Promise.all([1, 2, 3].map((i) => b.submit(i)));
    await c.sent(1);
    c.answer();
    expect(await answers).toEqual(['#1', '#2', '#3']);
    expect(c.batches).toEqual([[1, 2, 3]]);
  });

  it('keeps one batch in flight: what arrives meanwhile waits and goes together in the next', async () => {
    const c = controlled();
    const b = new Batcher(c.send, 10);
    const first = b.submit(1);
    await c.sent(1);
    const later = [b.submit(2), b.submit(3)];
    await new Promise((r) => setImmediate(r));
    expect(c.batches).toHaveLength(1);
    expect(b.idle).toBe(false);
    c.answer();
    await c.sent(2);
    c.answer();
    expect(await Promise.all([first, ...later])).toEqual(['#1', '#2', '#3']);
    expect(c.batches).toEqual([[1], [2, 3]]);
    expect(c.maxInFlight()).toBe(1);
    expect(b.idle).toBe(true);
  });

  it('sends at most max items per batch', async () => {
    const c = controlled();
    const b = new Batcher(c.send, 2);
    const all = Promise.all([1, 2, 3, 4, 5].map((i) => b.submit(i)));
    for (let n = 1; n <= 3; n++) {
      await c.sent(n);
      c.answer();
    }
    expect(await all).toEqual(['#1', '#2', '#3', '#4', '#5']);
    expect(c.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('rejects every caller of a failed batch with its error, and goes on with the next', async () => {
    const c = controlled();
    const b = new Batcher(c.send, 10);
    const failed = [b.submit(1), b.submit(2)].map((p) => p.catch((e: Error) => e.message));
    await c.sent(1);
    const next = b.submit(3);
    c.fail(new Error('store down'));
    expect(await Promise.all(failed)).toEqual(['store down', 'store down']);
    await c.sent(2);
    c.answer();
    expect(await next).toBe('#3');
  });

  it('rejects a batch answered with the wrong number of results', async () => {
    const b = new Batcher(async (inputs: number[]) => inputs.slice(1), 10);
    await expect(Promise.all([b.submit(1), b.submit(2)])).rejects.toThrow(/answered 1 of 2/);
  });
});
