/** Configuration errors come all at once: an operator fixes every bad variable in one round. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const bad = { NTK_DATA_DIR: '/nonexistent-test-dir', PORT: 'eighty', LOG_LEVEL: 'chatty', NTK_MAX_IN_FLIGHT: '-1' };

describe('configuration errors', () => {
  it('lists every invalid variable in one error, each named', () => {
    let error: unknown;
    try {
      loadConfig(bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((p) => p.variable)).toEqual(['PORT', 'LOG_LEVEL', 'NTK_MAX_IN_FLIGHT']);
    expect(message.split('\n')).toEqual([
      'PORT: must be a port number, got "eighty"',
      expect.stringMatching(/^LOG_LEVEL: must be one of /),
      expect.stringMatching(/^NTK_MAX_IN_FLIGHT: must be a whole number/),
    ]);
  });

  it('npm start prints them all and exits with status 2', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...bad };
    delete env.DATABASE_URL;
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('invalid configuration (3 variables)');
    for (const variable of ['PORT', 'LOG_LEVEL', 'NTK_MAX_IN_FLIGHT']) expect(run.stderr).toMatch(new RegExp(`^  ${variable}: `, 'm'));
  });

  it('npm start reports an invalid issuers file the same way', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ntk-config-'));
    try {
      writeFileSync(path.join(dir, 'issuers.json'), JSON.stringify([{ issuer: 'https://login.example' }]));
      const env: NodeJS.ProcessEnv = { ...process.env, NTK_DATA_DIR: dir, NTK_DEMO: '0', LOG_LEVEL: 'silent', NTK_JWT_ISSUERS: path.join(dir, 'issuers.json') };
      delete env.DATABASE_URL;
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, encoding: 'utf8' });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/^ {2}NTK_JWT_ISSUERS: .*"audience" is required/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
