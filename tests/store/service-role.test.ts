/** The service works as ntk_app, which can append to the audit trail but never rewrite it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { startTestService, type TestService } from '../support/app.ts';

describe.each(storeKinds)('service database role ($name)', (kind) => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService(kind);
  });
  afterAll(() => svc?.close());

  it('runs as ntk_app after migrations', async () => {
    const { rows } = await svc.services.store.query<{ r: string }>('select current_user as r', []);
    expect(rows[0].r).toBe('ntk_app');
  });

  it('may not update, delete, truncate or disable the triggers of the audit trail', async () => {
    const q = (sql: string) => svc.services.store.query(sql, []);
    await expect(q(`update audit_events set kind = 'x'`)).rejects.toThrow(/permission denied/);
    await expect(q(`delete from audit_events`)).rejects.toThrow(/permission denied/);
    await expect(q(`truncate audit_events`)).rejects.toThrow(/permission denied|must be owner/);
    await expect(q(`alter table audit_events disable trigger all`)).rejects.toThrow(/must be owner|permission denied/);
    await expect(q(`delete from audit_events_default`)).rejects.toThrow(/permission denied/);
  });

  it('may still append audit events and write facts', async () => {
    const before = (await svc.services.store.query<{ n: number }>('select count(*)::int as n from audit_events', [])).rows[0].n;
    await svc.services.audit.appendOne({ kind: 'test' });
    await svc.http.put('/v1/orgs/A1').set('Authorization', `Bearer ${svc.adminToken()}`).send({ name: 'x', kind: 'trust' }).expect(201);
    const after = (await svc.services.store.query<{ n: number }>('select count(*)::int as n from audit_events', [])).rows[0].n;
    expect(after).toBe(before + 2);
  });
});
