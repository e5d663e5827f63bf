/**
 * Operations: on a fresh database the current month's audit partition (and the next month's) exists
 * before the first event, so no event lands in audit_events_default and retirement by partition works
 * from the first month; a clean stop signs and publishes a final checkpoint.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { startTestService, type TestService } from '../support/app.ts';
import { CHECKPOINTS_FILE } from '../../src/trail/publish.ts';

const monthTable = (d: Date) => `audit_events_${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

describe.each(storeKinds)('the first month of a fresh database ($name)', (kind) => {
  let svc: TestService | undefined;
  beforeAll(async () => {
    svc = await startTestService(kind);
  });
  afterAll(() => svc?.close());

  it('puts the first events in this month\'s partition, with next month\'s made ahead', async () => {
    const q = <T extends object>(sql: string) => svc!.services.store.query<T>(sql, []).then((r) => r.rows);
    const now = new Date();
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    const [{ total }] = await q<{ total: number }>('select count(*)::int as total from audit_events');
    expect(total).toBeGreaterThan(0);
    expect((await q<{ n: number }>('select count(*)::int as n from audit_events_default'))[0].n).toBe(0);
    expect((await q<{ n: number }>(`select count(*)::int as n from ${monthTable(now)}`))[0].n).toBe(total);
    expect((await q<{ t: string | null }>(`select to_regclass('${monthTable(next)}')::text as t`))[0].t).toBe(monthTable(next));
  });

  it('signs and publishes a final checkpoint on a clean stop', async () => {
    const stopping = svc!;
    svc = undefined;
    const size = await stopping.services.tree.size();
    const dir = stopping.services.config.checkpointDir;
    await stopping.close();
    const notes = (await readFile(path.join(dir, CHECKPOINTS_FILE), 'utf8')).split('---\n').filter(Boolean);
    expect(Number(notes[notes.length - 1].split('\n')[1])).toBe(size);
  });
});
