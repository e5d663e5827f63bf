/**
 * Fail closed: when the audit trail cannot be written, authorise answers 503 and permits nothing;
 * when the store comes back, the service answers again by itself.
 * On PostgreSQL the store really goes away: the service connects through a TCP proxy that the test cuts.
 */
import net from 'node:net';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresSchema, postgresUrl } from '../support/stores.ts';
import { makeIssuer, cis2Claims, testConfig } from '../support/app.ts';
import { buildService, type Service } from '../../src/server.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { openPGlite } from '../../src/store/pglite.ts';
import type { Store } from '../../src/store/store.ts';

/** A TCP proxy in front of PostgreSQL that can be cut and restored. */
async function proxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const start = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        sockets.add(client).add(upstream);
        const drop = () => { client.destroy(); upstream.destroy(); };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await start();
  return {
    get port() { return port; },
    async cut() {
      await new Promise<void>((resolve) => { server!.close(() => resolve()); for (const s of sockets) s.destroy(); sockets.clear(); });
    },
    async restore() {
      if (!server?.listening) await start();
    },
  };
}

/** PGlite cannot be stopped from outside, so its stand-in fails every statement while `down`. */
function breakable(store: Store) {
  const state = { down: false };
  const fail = () => Promise.reject(Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' }));
  const wrapped: Store = {
    ...store,
    kind: store.kind,
    query: (sql, params) => (state.down ? fail() : store.query(sql, params)),
    transaction: (fn) => (state.down ? fail() : store.transaction(fn)),
    close: () => store.close(),
  };
  return { store: wrapped, state };
}

const kinds = postgresUrl ? ['pglite', 'postgres'] : ['pglite'];

describe.each(kinds)('fail closed (%s)', (kind) => {
  let service: Service;
  let cut: () => Promise<void>;
  let restore: () => Promise<void>;
  let cleanup: () => Promise<void> = async () => {};
  const issuer = makeIssuer();

  beforeAll(async () => {
    let store: Store;
    if (kind === 'postgres') {
      const schema = await freshPostgresSchema();
      const p = await proxy(new URL(postgresUrl!));
      const url = new URL(schema.url);
      url.host = `127.0.0.1:${p.port}`;
      store = await openPostgres({ connectionString: url.toString(), max: 4 });
      cut = () => p.cut();
      restore = () => p.restore();
      cleanup = async () => { await store.close(); await schema.drop(); };
    } else {
      const b = breakable(await openPGlite());
      store = b.store;
      cut = async () => { b.state.down = true; };
      restore = async () => { b.state.down = false; };
      cleanup = () => store.close();
    }
    const config = testConfig();
    service = await buildService(config, { store, issuers: [issuer.trusted], log: pino({ level: 'silent' }) });
    const admin = `Bearer ${issuer.sign({ sub: 'feed', azp: 'feed', scope: 'ntk:admin' } as never)}`;
    const http = request(service.app);
    await http.put('/v1/orgs/K84001').set('Authorization', admin).send({ name: 'Practice', kind: 'gp-practice' }).expect(201);
    await http.put('/v1/children/9990000018').set('Authorization', admin).send({ dateOfBirth: '2020-01-01', area: 'oxfordshire', gpPractice: 'K84001' }).expect(201);
  });
  afterAll(async () => {
    await restore?.();
    await service?.close();
    await cleanup();
  });

  it('answers 503 with no decision while the store is down, then recovers by itself', async () => {
    const http = request(service.app);
    const token = issuer.sign(cis2Claims({ id: 'gp1', org: 'K84001', roleCode: 'S8000:G8000:R8000' }) as never);
    const ask = () => http.post('/v1/authorise').set('Authorization', `Bearer ${token}`)
      .send({ child: '9990000018', sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT' });

    expect((await ask()).body.decisions[0].decision).toBe('permit');
    const countBefore = (await service.services.store.query<{ n: number }>('select count(*)::int as n from audit_events', [])).rows[0].n;

    await cut();
    const during = await Promise.all(Array.from({ length: 5 }, ask));
    for (const r of during) {
      expect(r.status).toBe(503);
      expect(r.headers['retry-after']).toBeDefined();
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      expect(r.body).not.toHaveProperty('decisions');
    }
    expect((await http.get('/readyz')).status).toBe(503);

    await restore();
    let after = await ask();
    for (let i = 0; i < 20 && after.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await ask();
    }
    expect(after.status).toBe(200);
    expect(after.body.decisions[0].decision).toBe('permit');
    // Every permit that was answered has its event; nothing was written for the refused requests.
    const countAfter = (await service.services.store.query<{ n: number }>('select count(*)::int as n from audit_events', [])).rows[0].n;
    expect(countAfter).toBe(countBefore + 1);
    expect((await http.get('/readyz')).status).toBe(200);
  });
});
