/**
 * The deployment files of docs/operations.md: the systemd unit passes `systemd-analyze verify` (where
 * systemd is installed), and the container image builds, starts and becomes healthy on /readyz (only
 * where a container engine answers: docker or podman with a running daemon/service).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const unit = path.join(root, 'deploy/needtoknow.service');
const containerfile = path.join(root, 'deploy/Containerfile');
const works = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 }).status === 0;
const engine = ['docker', 'podman'].find((e) => works(e, ['info']));

describe('the systemd unit', () => {
  it.runIf(works('systemd-analyze', ['--version']))('passes systemd-analyze verify with no warning', () => {
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.includes('needtoknow.service'))).toEqual([]);
  });

  it('runs the compiled service with node, not npm, and does not restart on a configuration error', () => {
    const text = readFileSync(unit, 'utf8');
    expect(text).toMatch(/^ExecStart=\/usr\/bin\/node dist\/main\.js$/m);
    expect(text).toMatch(/^RestartPreventExitStatus=2$/m);
    expect(text).toMatch(/^Environment=NTK_AUDIT_SIGNING_KEY=%d\//m);
  });
});

describe('the container image', () => {
  it('is node:20-slim, runs as a non-root user, starts node dist/main.js and checks /readyz', () => {
    const text = readFileSync(containerfile, 'utf8');
    expect(text).toMatch(/^FROM node:20-slim$/m);
    expect(text).toMatch(/^USER needtoknow$/m);
    expect(text).toMatch(/^ENTRYPOINT \["node", "dist\/main\.js"\]$/m);
    expect(text).toMatch(/^HEALTHCHECK [^\n]*\\\n[^\n]*\/readyz/m);
  });

  it.runIf(engine)(`builds, starts and becomes healthy (${engine ?? 'no container engine here'})`, async () => {
    const tag = `needtoknow-test:${randomBytes(4).toString('hex')}`;
    const run = (args: string[]) => spawnSync(engine!, args, { cwd: root, encoding: 'utf8', timeout: 900_000 });
    const built = run(['build', '-f', containerfile, '-t', tag, '.']);
    expect(built.status, built.stderr).toBe(0);
    // Embedded store, demo off: enough to prove the image starts and answers.
    const started = run(['run', '-d', '--rm', '-e', 'NTK_DEMO=0', tag]);
    expect(started.status, started.stderr).toBe(0);
    const id = started.stdout.trim();
    try {
      let health = '';
      while (!['healthy', 'unhealthy'].includes(health)) {
        await new Promise((r) => setTimeout(r, 2000));
        health = run(['inspect', '--format', '{{.State.Health.Status}}', id]).stdout.trim();
        if (!health) break; // the container is gone
      }
      expect(health).toBe('healthy');
      expect(run(['exec', id, 'id', '-u']).stdout.trim()).not.toBe('0');
      const stopped = run(['stop', '--time', '30', id]);
      expect(stopped.status).toBe(0);
    } finally {
      run(['rm', '-f', id]);
      run(['rmi', '-f', tag]);
    }
  }, 1_200_000);
});
