/**
 * A service that can be stopped and started again on the same database, data directory and checkpoint
 * directory, with an owner's hand on the database (append-only triggers off) to rewrite history the way
 * a database administrator could. PGlite: the one in-memory database, its role reset for the owner;
 * PostgreSQL: a fresh schema, reopened for each start, and a superuser session in replica mode.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import request from 'supertest';
import { buildService, type Service } from '../../src/server.ts';
import { openPGlite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { migrate } from '../../src/store/migrate.ts';
import type { Store } from '../../src/store/store.ts';
import { cis2Claims, makeIssuer, testConfig, type TestUser } from '../support/app.ts';
import { freshPostgresSchema, type StoreKind } from '../support/stores.ts';
import { users } from '../support/fixture.ts';
import { startWitness, type Witness } from '../audit-tools/support.ts';
import { signingKeyFromPem, verifierKey } from '../../src/trail/signing-key.ts';

export interface Deployment {
  dataDir: string;
  checkpointDir: string;
  env: Record<string, string>;
  /** Starts (or restarts) the service; `env` adds to the deployment's. */
  start(env?: Record<string, string>): Promise<Running>;
  /** Runs statements as the database owner with the append-only triggers off. */
  asOwner(...sql: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface Running extends Service {
  http: ReturnType<typeof request>;
  token(user: TestUser): string;
  /** Registers the health visitor and the IG officer of the fixture (their organisation and team). */
  seed(): Promise<void>;
}

export async function deployment(kind: StoreKind, env: Record<string, string> = {}): Promise<Deployment> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ntk-deploy-'));
  const checkpointDir = path.join(dataDir, 'checkpoints');
  const issuer = makeIssuer();
  let running: Running | undefined;
  let pglite: Store | undefined;
  let pgStore: Store | undefined;
  let pgUrl = '';
  let drop = async () => {};
  if (kind.name === 'pglite') {
    pglite = await openPGlite();
    await migrate(pglite);
  } else {
    ({ url: pgUrl, drop } = await freshPostgresSchema());
  }
  const openStore = async (): Promise<Store> => {
    if (pglite) {
      await pglite.query('reset role', []);
      return pglite;
    }
    await pgStore?.close();
    pgStore = await openPostgres({ connectionString: pgUrl, max: 4 });
    return pgStore;
  };
  const d: Deployment = {
    dataDir,
    checkpointDir,
    env: { NTK_DATA_DIR: dataDir, NTK_CHECKPOINT_DIR: checkpointDir, ...env },
    async start(extra = {}) {
      await running?.close();
      const store = await openStore();
      const svc = await buildService(testConfig({ ...d.env, ...extra }), { store, issuers: [issuer.trusted], log: pino({ level: 'silent' }) });
      const http = request(svc.app);
      const admin = `Bearer ${issuer.sign({ sub: 'feed-client', azp: 'feed-client', scope: 'ntk:admin' } as never)}`;
      const put = async (url: string, body: object) => {
        const r = await http.put(url).set('Authorization', admin).send(body);
        if (r.status >= 300) throw new Error(`${url}: ${r.status} ${JSON.stringify(r.body)}`);
      };
      running = {
        ...svc,
        http,
        token: (user) => issuer.sign(cis2Claims(user) as never),
        async seed() {
          await put('/v1/orgs/RNU', { name: 'Oxford Health NHS FT', kind: 'trust', area: 'oxfordshire' });
          await put('/v1/teams/HV-BANBURY', { name: 'Banbury health visiting', orgCode: 'RNU', kind: 'health-visiting', area: 'oxfordshire' });
          for (const u of [users.hv, users.ig]) await put(`/v1/users/${u.id}`, { name: `User ${u.id}`, orgCode: u.org, teams: 'workgroups' in u ? u.workgroups : [] });
        },
      };
      const close = svc.close;
      running.close = async () => {
        running = undefined;
        await close();
      };
      return running;
    },
    async asOwner(...sql) {
      if (pglite) {
        await pglite.query('reset role', []);
        await pglite.query('set session_replication_role = replica', []);
        for (const s of sql) await pglite.query(s, []);
        await pglite.query('set session_replication_role = origin', []);
        await pglite.query('set role ntk_app', []);
        return;
      }
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      try {
        await c.query('set session_replication_role = replica');
        for (const s of sql) await c.query(s);
      } finally {
        await c.end();
      }
    },
    async close() {
      await running?.close();
      await pglite?.close();
      await pgStore?.close();
      await drop();
    },
  };
  return d;
}

/**
 * A deployment signing as `origin` with its own key, and real `audit/witness.mjs` processes (w1.test,
 * w2.test, ...) that know it, pushed onto `witnesses` as they start (so the caller stops them); returns
 * the environment that configures the service to collect their cosignatures at quorum `quorum`.
 */
export async function witnessedSetup(d: Deployment, origin: string, witnesses: Witness[], count = 2, quorum = count): Promise<Record<string, string>> {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const keyFile = path.join(d.dataDir, 'log-key.pem');
  writeFileSync(keyFile, pem, { mode: 0o600 });
  const vkey = verifierKey(origin, signingKeyFromPem(pem).publicKey);
  const names = Array.from({ length: count }, (_, i) => `w${i + 1}.test`);
  for (const name of names) {
    const config = path.join(d.dataDir, `${name}.json`);
    writeFileSync(config, JSON.stringify({ name, logs: [{ origin, vkey }] }));
    mkdirSync(path.join(d.dataDir, name));
    witnesses.push(await startWitness(config, path.join(d.dataDir, name)));
  }
  const file = path.join(d.dataDir, 'witnesses.json');
  writeFileSync(file, JSON.stringify(witnesses.slice(-count).map((w, i) => ({ name: names[i], url: w.url, publicKey: w.vkey }))));
  return { NTK_AUDIT_ORIGIN: origin, NTK_AUDIT_SIGNING_KEY: keyFile, NTK_WITNESSES: file, NTK_WITNESS_QUORUM: String(quorum) };
}
