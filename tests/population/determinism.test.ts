/** The same seed and size give the same population on every store, however it is batched; another seed does not. */
import { afterAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { emptyPopulation } from '../../src/population/facts.ts';
import { generatePopulation } from '../../src/population/generate.ts';
import type { Queryable, Store } from '../../src/store/store.ts';

// Every business column, rendered independently of the session's time zone, date style and collation.
const TABLES: Record<string, { cols: string; key: string }> = {
  orgs: { cols: `code, name, kind, area`, key: 'code' },
  teams: { cols: `id, name, org_code, kind, area, schools::text`, key: 'id' },
  users: { cols: `id, name, org_code, family_name_hash, postcode_hash`, key: 'id' },
  user_teams: { cols: `user_id, team_id`, key: `user_id || ' ' || team_id` },
  children: {
    cols: `nhs_number, to_char(date_of_birth, 'YYYY-MM-DD'), area, gp_practice, school, family_name_hash, postcode_hash,
           sealed::text, restricted::text, labels::text, consent_withheld::text`,
    key: 'nhs_number',
  },
  relationships: {
    cols: `id, child, subject, type, extract(epoch from valid_from)::text, extract(epoch from valid_to)::text, source, reason,
           created_by, ended_at::text, ended_by`,
    key: 'id',
  },
};

async function contentHashes(db: Queryable): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [table, { cols, key }] of Object.entries(TABLES)) {
    const r = await db.query<{ h: string; n: number }>(
      `select md5(coalesce(string_agg(row_text, E'\\n' order by k collate "C"), '')) as h, count(*)::int8 as n
         from (select (${key}) as k, row(${cols})::text as row_text from ${table}) t`,
    );
    out[table] = `${r.rows[0].n}:${r.rows[0].h}`;
  }
  return out;
}

const options = { children: 1_000, seed: 42, referenceDate: new Date('2025-03-15T00:00:00Z') };

describe('population determinism', () => {
  const stores: Store[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  it('writes identical tables on two stores (each kind available), batched differently', async () => {
    const a = await storeKinds[0].open();
    const b = await storeKinds[storeKinds.length - 1].open();
    stores.push(a, b);
    const sa = await generatePopulation(a, options);
    const sb = await generatePopulation(b, { ...options, chunkSize: 777 });
    expect({ ...sb, elapsedMs: 0 }).toEqual({ ...sa, elapsedMs: 0 });
    const [ha, hb] = [await contentHashes(a), await contentHashes(b)];
    expect(ha.children.startsWith('1000:')).toBe(true);
    expect(hb).toEqual(ha);

    // Another seed gives another population; the same seed again on an emptied store gives the same one.
    await emptyPopulation(a);
    await generatePopulation(a, { ...options, seed: 43 });
    const other = await contentHashes(a);
    for (const table of ['children', 'relationships', 'users']) expect(other[table]).not.toBe(ha[table]);
    await emptyPopulation(a);
    await generatePopulation(a, options);
    expect(await contentHashes(a)).toEqual(ha);
  });

  it('rejects sizes outside the 999 test range and bad seeds before writing anything', async () => {
    const s = stores[0];
    await emptyPopulation(s);
    await expect(generatePopulation(s, { children: 0, seed: 1 })).rejects.toThrow(/children must be/);
    await expect(generatePopulation(s, { children: 900_001, seed: 1 })).rejects.toThrow(/children must be/);
    await expect(generatePopulation(s, { children: 10, seed: -1 })).rejects.toThrow(/seed must be/);
    expect((await s.query<{ n: number }>('select count(*)::int8 as n from orgs')).rows[0].n).toBe(0);
  });
});
