/** Monthly audit partitions: created ahead by the service role through the owner's function, append-only too. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { startTestService, type TestService } from '../support/app.ts';

describe.each(storeKinds)('audit partitions ($name)', (kind) => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService(kind);
  });
  afterAll(() => svc?.close());

  it('creates next month\'s partition, where new events land, and keeps it append-only', async () => {
    const { ensurePartitions } = await import('../../src/trail/partitions.ts');
    await ensurePartitions(svc.services.store, new Date('2031-05-10T00:00:00Z'));
    const { rows } = await svc.services.store.query<{ n: string }>(`select to_regclass('audit_events_2031_06')::text as n`, []);
    expect(rows[0].n).toBe('audit_events_2031_06');
    await expect(svc.services.store.query(`truncate audit_events_2031_06`, [])).rejects.toThrow(/permission denied|append-only|must be owner/);
    await expect(svc.services.store.query(`delete from audit_events_2031_06`, [])).rejects.toThrow(/permission denied/);
  });
});
