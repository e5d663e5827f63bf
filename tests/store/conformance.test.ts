/** One conformance suite for every store implementation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { migrate } from '../../src/store/migrate.ts';
import { AuditLog } from '../../src/trail/log.ts';
import type { Store } from '../../src/store/store.ts';

describe.each(storeKinds)('store conformance: $name', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await kind.open();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('returns typed rows: int8 as number, timestamptz as Date, jsonb as object, arrays', async () => {
    const r = await store.query<{ n: number; t: Date; j: { a: number }; a: string[] }>(
      `select 42::int8 as n, now() as t, '{"a":1}'::jsonb as j, array['x','y']::text[] as a`,
      [],
    );
    expect(r.rows[0].n).toBe(42);
    expect(r.rows[0].t).toBeInstanceOf(Date);
    expect(r.rows[0].j).toEqual({ a: 1 });
    expect(r.rows[0].a).toEqual(['x', 'y']);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await store.transaction(async (tx) => {
      await tx.query(`insert into orgs (code, name, kind) values ('C1', 'Committed', 'trust')`, []);
    });
    await expect(
      store.transaction(async (tx) => {
        await tx.query(`insert into orgs (code, name, kind) values ('R1', 'Rolled back', 'trust')`, []);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const codes = (await store.query<{ code: string }>(`select code from orgs where code in ('C1','R1')`, [])).rows;
    expect(codes.map((r) => r.code)).toEqual(['C1']);
  });

  it('bulk-loads rows with copyRows, keeping nulls, tabs, newlines and backslashes', async () => {
    const rows = [
      ['B1', 'tab\there', 'trust', null],
      ['B2', 'line\nbreak \\ slash', 'gp-practice', 'swindon'],
    ];
    expect(await store.copyRows('orgs', ['code', 'name', 'kind', 'area'], rows)).toBe(2);
    const got = (await store.query<{ code: string; name: string; area: string | null }>(
      `select code, name, area from orgs where code like 'B%' order by code`, [],
    )).rows;
    expect(got).toEqual([
      { code: 'B1', name: 'tab\there', area: null },
      { code: 'B2', name: 'line\nbreak \\ slash', area: 'swindon' },
    ]);
  });

  it('re-running migrations applies nothing new', async () => {
    expect(await migrate(store)).toEqual([]);
  });

  it('rejects UPDATE, DELETE and TRUNCATE on the audit trail', async () => {
    await new AuditLog(store).appendOne({ kind: 'test' });
    await expect(store.query(`delete from audit_events`, [])).rejects.toThrow(/append-only/);
    await expect(store.query(`update audit_events set kind = 'x'`, [])).rejects.toThrow(/append-only/);
    await expect(store.query(`truncate audit_events`, [])).rejects.toThrow(/append-only/);
  });

  it('delivers NOTIFY payloads to listeners', async () => {
    const got = new Promise<string>((resolve) => {
      void store.listen('ntk_test', resolve);
    });
    await new Promise((r) => setTimeout(r, 50));
    await store.notify('ntk_test', 'hello');
    expect(await got).toBe('hello');
  });
});
