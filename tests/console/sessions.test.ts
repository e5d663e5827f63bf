/** Console sessions in the store: idle after 15 minutes, over after 8 hours however active, gone after sign-out; only a hash is stored. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { Store } from '../../src/store/store.ts';
import { ABSOLUTE_MS, IDLE_MS, Sessions } from '../../src/console/sessions.ts';

describe.each(storeKinds)('console sessions: $name', (kind) => {
  let store: Store;
  const clock = { now: new Date('2026-11-25T09:00:00Z') };
  let sessions: Sessions;
  beforeAll(async () => {
    store = await kind.open();
    sessions = new Sessions(store, () => clock.now);
  });
  afterAll(async () => {
    await store?.close();
  });
  const advance = (ms: number) => (clock.now = new Date(clock.now.getTime() + ms));

  it('keeps an active session until its absolute end, then ends it', async () => {
    const s = await sessions.start({ claims: { sub: 'ig1' } });
    const stored = await store.query<{ id_hash: string }>('select id_hash from console_sessions');
    expect(stored.rows.map((r) => r.id_hash)).not.toContain(s.id);
    // Active every 14 minutes: never idle, so only the absolute timeout can end it.
    const step = IDLE_MS - 60_000;
    const started = clock.now.getTime();
    let lastAlive = -1;
    while (await sessions.find(s.id)) {
      lastAlive = clock.now.getTime() - started;
      advance(step);
    }
    expect(lastAlive).toBeLessThan(ABSOLUTE_MS);
    expect(lastAlive).toBeGreaterThanOrEqual(ABSOLUTE_MS - step);
    expect(await sessions.find(s.id)).toBeUndefined();
  });

  it('ends a session idle for 15 minutes, and one signed out at once', async () => {
    const idle = await sessions.start({ claims: { sub: 'ig1' } });
    advance(IDLE_MS);
    expect(await sessions.find(idle.id)).toBeUndefined();
    const out = await sessions.start({ claims: { sub: 'ig1' } });
    expect((await sessions.find(out.id))?.claims).toEqual({ sub: 'ig1' });
    await sessions.end(out.id);
    expect(await sessions.find(out.id)).toBeUndefined();
  });
});
