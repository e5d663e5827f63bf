/** Two service processes sharing one PostgreSQL produce one gap-free audit sequence. */
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresSchema, postgresUrl } from '../support/stores.ts';
import { makeIssuer, cis2Claims, testConfig } from '../support/app.ts';
import { buildService, type Service } from '../../src/server.ts';
import { openPostgres } from '../../src/store/postgres.ts';

describe.runIf(postgresUrl)('two processes, one database (postgres)', () => {
  const issuer = makeIssuer();
  const services: Service[] = [];
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const schema = await freshPostgresSchema();
    drop = schema.drop;
    for (let i = 0; i < 2; i++) {
      const store = await openPostgres({ connectionString: schema.url, max: 4 });
      services.push(await buildService(testConfig(), { store, issuers: [issuer.trusted], log: pino({ level: 'silent' }) }));
    }
    const admin = `Bearer ${issuer.sign({ sub: 'feed', azp: 'feed', scope: 'ntk:admin' } as never)}`;
    await request(services[0].app).put('/v1/orgs/K84001').set('Authorization', admin).send({ name: 'P', kind: 'gp-practice' }).expect(201);
    await request(services[1].app).put('/v1/children/9990000018').set('Authorization', admin).send({ dateOfBirth: '2020-01-01', area: 'oxfordshire', gpPractice: 'K84001' }).expect(201);
  });
  afterAll(async () => {
    for (const s of services) {
      await s.close();
      await s.services.store.close();
    }
    await drop?.();
  });

  it('interleaves concurrent appends from both into one sequence with no gap or duplicate', async () => {
    const token = issuer.sign(cis2Claims({ id: 'gp1', org: 'K84001', roleCode: 'S8000:G8000:R8000' }) as never);
    const body = { child: '9990000018', sections: ['immunisations', 'screening'], action: 'read', purposeOfUse: 'TREAT' };
    const calls = Array.from({ length: 200 }, (_, i) =>
      request(services[i % 2].app).post('/v1/authorise').set('Authorization', `Bearer ${token}`).send(body));
    const responses = await Promise.all(calls);
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const { rows } = await services[0].services.store.query<{ n: number; distinct_seq: number; min: number; max: number; head: number }>(
      `select count(*)::int as n, count(distinct seq)::int as distinct_seq, min(seq)::int as min, max(seq)::int as max,
              (select tree_size from audit_head)::int as head from audit_events`, []);
    const r = rows[0];
    expect(r.n).toBe(r.distinct_seq);
    expect(r.min).toBe(0);
    expect(r.max).toBe(r.n - 1);
    expect(r.head).toBe(r.n);
    expect(r.n).toBeGreaterThanOrEqual(400);
  });
});
