/**
 * How the bench configures the service, in process or as a child process: PostgreSQL at the bench database,
 * a fixed hash key, one Ed25519 checkpoint signing key shared by every process of the run (as the
 * configuration requires with DATABASE_URL), a checkpoint directory per database, request logs off (LOG_LEVEL=warn).
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { buildService } from '../src/server.ts';

export const BENCH_HASH_KEY = 'needtoknow-bench-hash-key-not-a-secret-0123456789';
export const SERVICE_LOG_LEVEL = 'warn';

export function serviceEnv(url: string, workDir: string): Record<string, string> {
  const keyFile = path.join(workDir, 'audit-signing-key.pem');
  if (!existsSync(keyFile)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  return {
    DATABASE_URL: url,
    NTK_HASH_KEY: BENCH_HASH_KEY,
    NTK_DEMO: '0',
    NTK_DATA_DIR: workDir,
    NTK_AUDIT_SIGNING_KEY: keyFile,
    // One checkpoint directory per database: the service refuses to extend a log whose published
    // checkpoints are another database's (src/trail/guard.ts), and the growth step uses a second database.
    NTK_CHECKPOINT_DIR: path.join(workDir, 'checkpoints', new URL(url).pathname.replace(/^\//, '') || 'default'),
    LOG_LEVEL: SERVICE_LOG_LEVEL,
  };
}

/** The whole service in this process (no HTTP listener), for the in-process measurements. */
export async function inProcessService(url: string, workDir: string) {
  const config = loadConfig({ ...serviceEnv(url, workDir), LOG_LEVEL: 'silent' });
  return buildService(config, { log: pino({ level: 'silent' }) });
}
