/**
 * `npm start` as a newcomer runs it: no configuration, an empty data directory. It must become ready,
 * print working demo tokens for every product role and a curl that works, let `npm run token` list
 * the demo users and sign for one by id alone, and stop cleanly on SIGTERM.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('first run (npm start on the embedded store)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ntk-start-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('becomes ready, prints a curl that works, and stops on SIGTERM', async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), NTK_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    delete env.NTK_DEMO;
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    // No clock here: wait for the demo to print, or for the process to end (a busy machine is only slower).
    let ended = false;
    child.on('exit', () => (ended = true));
    while (!out.includes('Try it') && !ended) await new Promise((r) => setTimeout(r, 200));
    expect(out).toContain('Try it');

    const personas = ['HEALTH_VISITOR', 'SCHOOL_NURSE', 'IMMUNISATION_NURSE', 'GP', 'CLINICIAN', 'CLERK', 'SAFEGUARDING_LEAD', 'IG_OFFICER', 'ADMIN'];
    for (const persona of personas) expect(out).toContain(`NTK_TOKEN_${persona}=`);

    // Before any request: `npm run token` with no arguments lists who it can sign for; `--user <id>` then needs nothing else.
    // (Run first, so no idle keep-alive connection of this test's fetch waits meanwhile for the server to close it.)
    const token = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/token.ts', ...args], { env, encoding: 'utf8' });
    const listing = token();
    expect(listing.status).toBe(0);
    const users = listing.stdout.split('\n\n')[0].split('\n').slice(1).map((l) => l.split(/\s+/));
    expect(users.map((u) => u[1]).sort()).toEqual(
      ['health-visitor', 'school-nurse', 'immunisation-nurse', 'gp', 'clinician', 'clerk', 'safeguarding-lead', 'ig-officer', 'access-admin'].sort(),
    );
    const [clinicianId, , clinicianOrg] = users.find((u) => u[1] === 'clinician')!;
    expect(clinicianOrg).toMatch(/^[A-Z0-9]{3,6}$/);
    const signed = token('--user', clinicianId);
    expect(signed.status).toBe(0);

    const ready = await fetch(`http://localhost:${port}/readyz`);
    expect(ready.status).toBe(200);

    const hvToken = /NTK_TOKEN_HEALTH_VISITOR='([^']+)'/.exec(out)![1];
    const curlBody = /-d '(\{.*\})'/.exec(out)![1];
    const r = await fetch(`http://localhost:${port}/v1/authorise`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${hvToken}`, 'Content-Type': 'application/json' },
      body: curlBody,
    });
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.decisions[0].decision).toBe('permit');
    const readable = /# clinician: .*\(can read (\d{10})/.exec(out)![1];
    const asClinician = await fetch(`http://localhost:${port}/v1/authorise`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${signed.stdout.trim()}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ child: readable, sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT' }),
    });
    expect(asClinician.status).toBe(200);
    expect((await asClinician.json()).decisions[0].decision).toBe('permit');

    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = undefined;
  }, 600_000);

  it('stops by itself when the process that started it goes away (npm does not always pass signals on)', async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), NTK_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'ntk-orphan-')), NTK_DEMO: '0', LOG_LEVEL: 'info' };
    delete env.DATABASE_URL;
    // A shell stands in for npm: it starts the server as its child and is then killed outright.
    const parent = spawn('sh', ['-c', `"${process.execPath}" --import tsx src/main.ts & echo $!; wait`], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    parent.stdout!.on('data', (d) => (out += d));
    while (!/^\d+\n/.test(out)) await new Promise((r) => setTimeout(r, 100));
    const serverPid = Number(out.split('\n')[0]);
    let ready = false;
    while (!ready) {
      ready = await fetch(`http://localhost:${port}/readyz`).then((r) => r.ok, () => false);
      if (!ready) await new Promise((r) => setTimeout(r, 200));
    }
    parent.kill('SIGKILL');
    const alive = () => { try { process.kill(serverPid, 0); return true; } catch { return false; } };
    while (alive()) await new Promise((r) => setTimeout(r, 200));
    expect(alive()).toBe(false);
  }, 600_000);
});
