/** NTK_ALERT_SECRET: validated at start-up, required where alerts leave a production deployment, derived only for demos. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

const base = { NTK_DATA_DIR: '/nonexistent-test-dir' };
const production = { ...base, DATABASE_URL: 'postgres://db/ntk', NTK_DEMO: '0', NTK_HASH_KEY: 'h'.repeat(32), NTK_AUDIT_SIGNING_KEY: '/keys/audit.pem' };

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a configuration error');
}

describe('alert configuration', () => {
  it('takes a secret of at least 32 characters, and names the variable when it is shorter', () => {
    expect(loadConfig({ ...base, NTK_ALERT_SECRET: 's'.repeat(32) }).alertSecret).toBe('s'.repeat(32));
    const err = failure({ ...base, NTK_ALERT_SECRET: 'short' });
    expect(err.variable).toBe('NTK_ALERT_SECRET');
    expect(err.message).toMatch(/^NTK_ALERT_SECRET: /);
  });

  it('requires a secret with webhooks on a production store', () => {
    expect(failure({ ...production, NTK_ALERT_WEBHOOKS: 'https://alerts.example/ntk' }).variable).toBe('NTK_ALERT_SECRET');
    expect(loadConfig({ ...production, NTK_ALERT_WEBHOOKS: 'https://alerts.example/ntk', NTK_ALERT_SECRET: 'x'.repeat(40) }).alertWebhooks).toEqual(['https://alerts.example/ntk']);
  });

  it('derives a demo secret from the hash key otherwise, different for different hash keys', () => {
    const a = loadConfig({ ...base, NTK_HASH_KEY: 'a'.repeat(32) }).alertSecret;
    const b = loadConfig({ ...base, NTK_HASH_KEY: 'b'.repeat(32) }).alertSecret;
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(loadConfig(production).alertSecret).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects a webhook that is not an http(s) URL', () => {
    expect(failure({ ...base, NTK_ALERT_WEBHOOKS: 'ftp://alerts.example' }).variable).toBe('NTK_ALERT_WEBHOOKS');
  });
});
