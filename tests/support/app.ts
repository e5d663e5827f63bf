/**
 * A real service for tests: the whole app on a fresh store (PGlite, or a fresh PostgreSQL schema),
 * a test token issuer, a controllable clock, and helpers to sign tokens for CIS2-shaped users.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config.ts';
import { buildService, type Service } from '../../src/server.ts';
import { demoIssuerFromKey, type DemoIssuer } from '../../src/identity/demo-issuer.ts';
import type { StoreKind } from './stores.ts';

export interface TestUser {
  id: string;
  org: string;
  roleCode: string;
  workgroups?: string[];
  activities?: string[];
  name?: string;
}

export interface TestService extends Service {
  issuer: DemoIssuer;
  clock: { now: Date };
  http: ReturnType<typeof request>;
  tokenFor(user: TestUser, extra?: Record<string, unknown>): string;
  adminToken(): string;
}

/** Configuration for a test service: silent, no demo, its own fresh data directory (signing key, checkpoints). */
export function testConfig(env: Record<string, string> = {}): Config {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ntk-test-'));
  return loadConfig({ NTK_DEMO: '0', NTK_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env });
}

export function makeIssuer(issuer = 'https://test-issuer.example', audience = 'needtoknow-test'): DemoIssuer {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return demoIssuerFromKey('test-key-1', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), issuer, audience, ['feed', 'feed-client']);
}

export function cis2Claims(user: TestUser, extra: Record<string, unknown> = {}) {
  return {
    sub: user.id,
    name: user.name ?? user.id,
    selected_roleid: `pr-${user.id}`,
    nhsid_nrbac_roles: [
      {
        person_roleid: `pr-${user.id}`,
        org_code: user.org,
        role_code: user.roleCode,
        activity_codes: user.activities ?? ['B0360', 'B0380'],
        workgroups_codes: user.workgroups ?? [],
      },
    ],
    azp: 'test-clinical-system',
    ...extra,
  };
}

export async function startTestService(kind: StoreKind, env: Record<string, string> = {}): Promise<TestService> {
  const store = await kind.open();
  const issuer = makeIssuer();
  const clock = { now: new Date() };
  const config = testConfig(env);
  const service = await buildService(config, { store, issuers: [issuer.trusted], log: pino({ level: 'silent' }), now: () => clock.now });
  const close = service.close;
  return {
    ...service,
    issuer,
    clock,
    http: request(service.app),
    tokenFor: (user, extra) => issuer.sign(cis2Claims(user, extra) as never),
    adminToken: () => issuer.sign({ sub: 'feed-client', azp: 'feed-client', scope: 'ntk:admin' } as never),
    async close() {
      await close();
      await store.close();
    },
  };
}
