/**
 * Policy lifecycle: a changed policy file is picked up and swapped in whole, audited as a policy
 * event, refused when broken; a reload in one process reaches the others through NOTIFY.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds, freshPostgresSchema, postgresUrl } from '../support/stores.ts';
import { makeIssuer, cis2Claims, testConfig } from '../support/app.ts';
import { buildService, type Service } from '../../src/server.ts';
import { policiesDir } from '../../src/policy/policy.ts';
import { openPostgres } from '../../src/store/postgres.ts';

const issuer = makeIssuer();
const gp = { id: 'gp1', org: 'K84001', roleCode: 'S8000:G8000:R8000' };
const askBody = { child: '9990000018', sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT' };

function copyPolicies(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ntk-policies-'));
  cpSync(policiesDir, dir, { recursive: true });
  return dir;
}

async function seed(svc: Service) {
  const admin = `Bearer ${issuer.sign({ sub: 'feed', azp: 'feed', scope: 'ntk:admin' } as never)}`;
  const http = request(svc.app);
  await http.put('/v1/orgs/K84001').set('Authorization', admin).send({ name: 'Practice', kind: 'gp-practice' });
  await http.put('/v1/children/9990000018').set('Authorization', admin).send({ dateOfBirth: '2020-01-01', area: 'oxfordshire', gpPractice: 'K84001' });
}

// A bound far beyond any normal wait, so a busy machine only makes this slower, never red.
async function until(check: () => Promise<boolean>, ms = 120_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const GP_RULE = 'p, gp, core, gp-registration, TREAT|ETREAT, 0-19, allow\n';

describe.each(storeKinds)('policy lifecycle ($name)', (kind) => {
  let svc: Service;
  let dir: string;
  beforeAll(async () => {
    dir = copyPolicies();
    // A data and checkpoint directory per database: one checkpoints.log holds one log.
    svc = await buildService(testConfig(), { store: await kind.open(), issuers: [issuer.trusted], log: pino({ level: 'silent' }), watchPolicy: true, policyDir: dir });
    await seed(svc);
  });
  afterAll(async () => {
    await svc?.close();
    await svc?.services.store.close();
  });

  const decision = async () => (await request(svc.app).post('/v1/authorise').set('Authorization', `Bearer ${issuer.sign(cis2Claims(gp) as never)}`).send(askBody)).body;

  it('follows a change to the rule files, audits it, and decides on the new version', async () => {
    const before = await decision();
    expect(before.decisions[0].decision).toBe('permit');
    const access = path.join(dir, 'access.csv');
    writeFileSync(access, readFileSync(access, 'utf8').replace(GP_RULE, ''));
    expect(await until(async () => svc.services.policy.current.version !== before.policyVersion)).toBe(true);
    const after = await decision();
    expect(after.policyVersion).not.toBe(before.policyVersion);
    expect(after.decisions[0].decision).toBe('deny');
    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'policy' order by seq desc limit 1`, []);
    expect(JSON.parse(rows[0].body)).toMatchObject({ kind: 'policy', details: { from: before.policyVersion, to: after.policyVersion } });
  });

  it('keeps the policy in force when a file is broken', async () => {
    const version = svc.services.policy.current.version;
    writeFileSync(path.join(dir, 'roles.json'), '{ not json');
    expect(await svc.services.policy.reload()).toBe(false);
    expect(svc.services.policy.current.version).toBe(version);
    expect((await decision()).policyVersion).toBe(version);
  });
});

describe.runIf(postgresUrl)('policy reload across processes (postgres)', () => {
  const services: Service[] = [];
  let drop: () => Promise<void>;
  const dirs: string[] = [];
  beforeAll(async () => {
    const schema = await freshPostgresSchema();
    drop = schema.drop;
    // Two hosts of one deployment: one database, one signing key and checkpoint directory.
    const config = testConfig();
    for (let i = 0; i < 2; i++) {
      const store = await openPostgres({ connectionString: schema.url, max: 4 });
      dirs.push(copyPolicies());
      // Two hosts, each with its own copy of the files; neither watches them: only NOTIFY can tell the second.
      services.push(await buildService(config, { store, issuers: [issuer.trusted], log: pino({ level: 'silent' }), listenPolicy: true, policyDir: dirs[i] }));
    }
  });
  afterAll(async () => {
    for (const s of services) {
      await s.close();
      await s.services.store.close();
    }
    await drop?.();
  });

  it('a reload in one process reaches the other through NOTIFY', async () => {
    const [a, b] = services;
    // The new files are deployed to both hosts; an operator asks the first to reload.
    for (const dir of dirs) {
      const access = path.join(dir, 'access.csv');
      writeFileSync(access, readFileSync(access, 'utf8').replace(GP_RULE, ''));
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(b.services.policy.current.version).toBe(a.services.policy.current.version);
    const admin = `Bearer ${issuer.sign({ sub: 'feed', azp: 'feed', scope: 'ntk:admin' } as never)}`;
    const r = await request(a.app).post('/v1/policy:reload').set('Authorization', admin);
    expect(r.body.changed).toBe(true);
    expect(await until(async () => b.services.policy.current.version === r.body.version)).toBe(true);
  });
});
