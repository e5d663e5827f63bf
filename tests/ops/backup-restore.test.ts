/**
 * docs/operations.md's backup and restore, done as an operator would: pg_dump of the service schema
 * while the service runs, pg_restore into a fresh database, a service started on the restored copy,
 * and the trail exported from it verified by audit/verify.mjs against the checkpoints published
 * before the dump (so nothing signed was lost or altered by the round trip). PostgreSQL only.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/store/postgres.ts';
import { migrate } from '../../src/store/migrate.ts';
import { startTestService, type TestService } from '../support/app.ts';
import { freshPostgresSchema, postgresUrl } from '../support/stores.ts';
import { feedFixture, NHS, users } from '../support/fixture.ts';

const VERIFIER = path.resolve(import.meta.dirname, '../../audit/verify.mjs');
const hasPgDump = spawnSync('pg_dump', ['--version']).status === 0;

describe.runIf(postgresUrl && hasPgDump)('backup and restore of PostgreSQL (pg_dump, pg_restore)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ntk-backup-'));
  const keyFile = path.join(dir, 'audit-signing-key.pem');
  writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const restoredDb = `ntk_restore_${randomBytes(5).toString('hex')}`;
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  /** A service on this connection string, signing with the one key file every instance shares. */
  async function serviceOn(databaseUrl: string): Promise<TestService> {
    const kind = {
      name: 'postgres' as const,
      async open() {
        const store = await openPostgres({ connectionString: databaseUrl, max: 4 });
        await migrate(store);
        return store;
      },
    };
    const service = await startTestService(kind, { NTK_AUDIT_SIGNING_KEY: keyFile });
    cleanups.push(() => service.close());
    return service;
  }

  async function decide(service: TestService, n: number) {
    for (let i = 0; i < n; i++) {
      const r = await service.http.post('/v1/authorise').set('Authorization', `Bearer ${service.tokenFor(users.hv)}`)
        .send({ child: NHS.toddler, sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT' });
      expect(r.status).toBe(200);
      expect(r.body.decisions[0].decision).toBe('permit');
    }
  }

  async function exportTrail(service: TestService, file: string) {
    const r = await service.http.get('/v1/audit/export?format=ndjson').set('Authorization', `Bearer ${service.tokenFor(users.ig)}`)
      .buffer(true).parse((res, cb) => { let d = ''; res.on('data', (c: Buffer) => (d += c)); res.on('end', () => cb(null, d)); });
    expect(r.status).toBe(200);
    writeFileSync(file, r.body as string);
  }

  it('restores a copy whose trail verifies against the checkpoints published before the dump', async () => {
    const source = await freshPostgresSchema();
    cleanups.push(source.drop);
    const schema = /search_path=(\w+)/.exec(new URL(source.url).searchParams.get('options')!)![1];
    const live = await serviceOn(source.url);
    await feedFixture(live);
    await decide(live, 5);
    await live.services.checkpointer.checkpointNow();
    // What an operator keeps outside the database: the published checkpoints and the public key.
    const published = path.join(dir, 'published-checkpoints.log');
    copyFileSync(path.join(live.services.config.checkpointDir, 'checkpoints.log'), published);
    writeFileSync(path.join(dir, 'public-key.pem'), live.services.checkpointer.publicKey());

    // Online backup: the service keeps running.
    const dump = path.join(dir, 'ntk.dump');
    execFileSync('pg_dump', ['--format=custom', `--schema=${schema}`, `--file=${dump}`, postgresUrl!]);

    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create database ${restoredDb}`);
    await admin.end();
    cleanups.unshift(async () => {
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      await c.query(`drop database if exists ${restoredDb} with (force)`);
      await c.end();
    });
    const target = new URL(postgresUrl!);
    target.pathname = `/${restoredDb}`;
    execFileSync('pg_restore', ['--exit-on-error', `--dbname=${target}`, dump]);
    target.searchParams.set('options', `-c search_path=${schema}`);

    const restored = await serviceOn(target.toString());
    expect((await restored.http.get('/readyz')).status).toBe(200);
    // The restored copy carries on the same sequence.
    await decide(restored, 2);
    const events = path.join(dir, 'restored.ndjson');
    await exportTrail(restored, events);

    const verify = spawnSync(process.execPath, [VERIFIER, '--events', events, '--public-key', path.join(dir, 'public-key.pem'), '--checkpoints', published], { encoding: 'utf8' });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^OK: \d+ events in sequence; [1-9]\d* signed checkpoints verified, all consistent/m);
    expect(readFileSync(published, 'utf8')).toContain('---');
  });
});
