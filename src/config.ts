/**
 * Typed configuration from the environment, validated once at start-up and passed in (never read
 * from globals elsewhere). Every invalid variable is collected and reported together in one
 * ConfigError (one line per variable), so an operator fixes them in one round.
 *
 * Adding a variable: read it in loadConfig, call `problems.add(VARIABLE, message)` when it is invalid
 * and carry on with a harmless fallback; never throw from the middle of loadConfig.
 */
import { createHmac } from 'node:crypto';
import path from 'node:path';

export interface Config {
  port: number;
  /** PostgreSQL connection string; absent means embedded PGlite in dataDir. */
  databaseUrl?: string;
  dataDir: string;
  /** Path of the trusted issuers file (contract: NTK_JWT_ISSUERS). */
  jwtIssuersFile?: string;
  /** Create a demo population and a local demo issuer when the store is empty. */
  demo: boolean;
  auditSigningKeyFile?: string;
  /** NTK_AUDIT_ORIGIN: the checkpoints' first line and key name; default derived once per database (src/trail/origin.ts). */
  auditOrigin?: string;
  /** NTK_WITNESSES: a JSON file [{ name, url, publicKey }] of the witnesses that cosign checkpoints (src/trail/witnesses.ts). */
  witnessesFile?: string;
  /** NTK_WITNESS_QUORUM: cosignatures a checkpoint needs to count as witnessed; default all the witnesses. */
  witnessQuorum?: number;
  /** Secret for keyed hashes of names and postcodes. */
  hashKey: string;
  alertWebhooks: string[];
  /** HMAC-SHA256 key that signs every alert delivery (X-NTK-Signature). */
  alertSecret: string;
  logLevel: string;
  /** Directory the published checkpoints are appended to. */
  checkpointDir: string;
  bodyLimit: string;
  /** Largest NDJSON import body in bytes (NTK_IMPORT_BODY_LIMIT, e.g. 50mb); beyond it, 413. */
  importBodyLimit: number;
  /** Requests in progress beyond which new ones get 429 (0: no limit). See src/http/app.ts. */
  maxInFlight: number;
  /** Per minute: failed tokens per client address, and exports, imports and explains per principal (NTK_RATE_LIMITS). */
  rateLimits: RateLimits;
  /** Longest access-token lifetime accepted, in seconds (NTK_MAX_TOKEN_HOURS, default 24). */
  maxTokenLifetimeSeconds: number;
  /** The console's OpenID Connect sign-in (NTK_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _REDIRECT_URI: all or none). */
  oidc?: OidcConfig;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Must end in /console/auth/callback on this service's public address. */
  redirectUri: string;
}

const OIDC_VARS = ['NTK_OIDC_ISSUER', 'NTK_OIDC_CLIENT_ID', 'NTK_OIDC_CLIENT_SECRET', 'NTK_OIDC_REDIRECT_URI'] as const;

function parseOidc(env: NodeJS.ProcessEnv): OidcConfig | undefined {
  const set = OIDC_VARS.filter((v) => env[v]);
  if (!set.length) return undefined;
  const missing = OIDC_VARS.find((v) => !env[v]);
  if (missing) throw new ConfigError(missing, `is required with ${set.join(', ')}`);
  for (const v of ['NTK_OIDC_ISSUER', 'NTK_OIDC_REDIRECT_URI'] as const) {
    if (!URL.canParse(env[v]!) || !/^https?:$/.test(new URL(env[v]!).protocol)) throw new ConfigError(v, `must be an http(s) URL, got "${env[v]}"`);
  }
  if (!new URL(env.NTK_OIDC_REDIRECT_URI!).pathname.endsWith('/console/auth/callback')) {
    throw new ConfigError('NTK_OIDC_REDIRECT_URI', 'must be this service\'s address followed by /console/auth/callback');
  }
  return { issuer: env.NTK_OIDC_ISSUER!, clientId: env.NTK_OIDC_CLIENT_ID!, clientSecret: env.NTK_OIDC_CLIENT_SECRET!, redirectUri: env.NTK_OIDC_REDIRECT_URI! };
}

export interface RateLimits {
  failedTokens: number;
  exports: number;
  imports: number;
  explain: number;
}

const DEFAULT_RATE_LIMITS: RateLimits = { failedTokens: 30, exports: 20, imports: 60, explain: 120 };

/** NTK_RATE_LIMITS: e.g. "failedTokens=30,exports=20" (per minute; 0 turns one off); unnamed ones keep their default. */
function parseRateLimits(raw: string | undefined, problems: Problems): RateLimits {
  const limits = { ...DEFAULT_RATE_LIMITS };
  for (const part of (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, value] = part.split('=');
    const n = Number(value);
    if (!(name in limits) || !Number.isInteger(n) || n < 0) {
      problems.add('NTK_RATE_LIMITS', `"${part}" is not <name>=<whole number>; names: ${Object.keys(DEFAULT_RATE_LIMITS).join(', ')}`);
      continue;
    }
    limits[name as keyof RateLimits] = n;
  }
  return limits;
}

export interface ConfigProblem {
  variable: string;
  message: string;
}

/** One or more invalid variables; the message has one "VARIABLE: what is wrong" line for each. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  /** The first variable at fault. */
  readonly variable: string;
  constructor(variable: string, message: string);
  constructor(problems: ConfigProblem[]);
  constructor(first: string | ConfigProblem[], message?: string) {
    const problems = typeof first === 'string' ? [{ variable: first, message: message ?? '' }] : first;
    super(problems.map((p) => `${p.variable}: ${p.message}`).join('\n'));
    this.problems = problems;
    this.variable = problems[0]?.variable ?? '';
  }
}

/** The problems found so far; loadConfig throws them together at the end. */
class Problems {
  readonly list: ConfigProblem[] = [];
  add(variable: string, message: string): void {
    this.list.push({ variable, message });
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems = new Problems();
  const port = env.PORT === undefined || env.PORT === '' ? 8080 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.add('PORT', `must be a port number, got "${env.PORT}"`);

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.add('DATABASE_URL', 'must be a postgres:// or postgresql:// connection string');
  }
  const dataDir = path.resolve(env.NTK_DATA_DIR || './data');

  const demoRaw = env.NTK_DEMO ?? (databaseUrl ? '0' : '1');
  if (demoRaw !== '0' && demoRaw !== '1') problems.add('NTK_DEMO', 'must be 0 or 1');

  let hashKey = env.NTK_HASH_KEY ?? '';
  if (!hashKey) {
    if (databaseUrl && demoRaw !== '1') problems.add('NTK_HASH_KEY', 'is required with DATABASE_URL (a secret of at least 32 characters)');
    hashKey = 'needtoknow-embedded-demo-hash-key-not-for-production';
  } else if (hashKey.length < 32) {
    problems.add('NTK_HASH_KEY', 'must be at least 32 characters');
  }

  // Several processes on one database must sign checkpoints with one key: a key created per host would
  // make every other host's checkpoints unverifiable. So a shared database needs the key configured.
  if (databaseUrl && demoRaw !== '1' && !env.NTK_AUDIT_SIGNING_KEY) {
    problems.add('NTK_AUDIT_SIGNING_KEY', 'is required with DATABASE_URL (the Ed25519 PEM file every process signs checkpoints with)');
  }

  const alertWebhooks = (env.NTK_ALERT_WEBHOOKS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const url of alertWebhooks) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      problems.add('NTK_ALERT_WEBHOOKS', `"${url}" is not an http(s) URL`);
    }
  }

  let alertSecret = env.NTK_ALERT_SECRET ?? '';
  if (!alertSecret) {
    if (alertWebhooks.length && databaseUrl && demoRaw !== '1') {
      problems.add('NTK_ALERT_SECRET', 'is required with NTK_ALERT_WEBHOOKS and DATABASE_URL (a secret of at least 32 characters)');
    }
    // Demo only: derived from the hash key, so the secret differs wherever NTK_HASH_KEY does.
    alertSecret = createHmac('sha256', hashKey).update('needtoknow demo alert signing key').digest('hex');
  } else if (alertSecret.length < 32) {
    problems.add('NTK_ALERT_SECRET', 'must be at least 32 characters');
  }

  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.add('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);

  const maxInFlight = env.NTK_MAX_IN_FLIGHT === undefined || env.NTK_MAX_IN_FLIGHT === '' ? 1024 : Number(env.NTK_MAX_IN_FLIGHT);
  if (!Number.isInteger(maxInFlight) || maxInFlight < 0) problems.add('NTK_MAX_IN_FLIGHT', `must be a whole number (0 for no limit), got "${env.NTK_MAX_IN_FLIGHT}"`);
  const maxTokenHours = env.NTK_MAX_TOKEN_HOURS ? Number(env.NTK_MAX_TOKEN_HOURS) : 24;
  if (!(maxTokenHours > 0 && maxTokenHours <= 24 * 7)) problems.add('NTK_MAX_TOKEN_HOURS', `must be a number of hours from 0 to 168, got "${env.NTK_MAX_TOKEN_HOURS}"`);
  const importRaw = (env.NTK_IMPORT_BODY_LIMIT || '50mb').trim().toLowerCase();
  const importMatch = /^(\d+)\s*(b|kb|mb|gb)?$/.exec(importRaw);
  if (!importMatch) problems.add('NTK_IMPORT_BODY_LIMIT', `must be a size such as 50mb, got "${env.NTK_IMPORT_BODY_LIMIT}"`);
  const importBodyLimit = importMatch ? Number(importMatch[1]) * { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[importMatch[2] ?? 'b']! : 0;
  const rateLimits = parseRateLimits(env.NTK_RATE_LIMITS, problems);

  if (problems.list.length) throw new ConfigError(problems.list);
  return {
    port,
    databaseUrl,
    dataDir,
    jwtIssuersFile: env.NTK_JWT_ISSUERS || undefined,
    demo: demoRaw === '1',
    auditSigningKeyFile: env.NTK_AUDIT_SIGNING_KEY || undefined,
    auditOrigin: auditOrigin(env.NTK_AUDIT_ORIGIN),
    witnessesFile: env.NTK_WITNESSES ? path.resolve(env.NTK_WITNESSES) : undefined,
    witnessQuorum: witnessQuorum(env.NTK_WITNESS_QUORUM),
    hashKey,
    alertWebhooks,
    alertSecret,
    logLevel,
    checkpointDir: path.resolve(env.NTK_CHECKPOINT_DIR || path.join(dataDir, 'checkpoints')),
    bodyLimit: env.NTK_BODY_LIMIT || '1mb',
    importBodyLimit,
    maxInFlight,
    rateLimits,
    maxTokenLifetimeSeconds: maxTokenHours * 3600,
    oidc: parseOidc(env),
  };
}

/** A checkpoint origin doubles as the signed-note key name: non-empty, no spaces, no '+'. */
function auditOrigin(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (/[\s+]/u.test(raw)) throw new ConfigError('NTK_AUDIT_ORIGIN', 'must contain no spaces and no "+" (it is also the signed-note key name), e.g. audit.needtoknow.example.nhs.uk/prod');
  return raw;
}

function witnessQuorum(raw: string | undefined): number | undefined {
  if (!raw) return undefined;
  if (!/^[0-9]+$/.test(raw)) throw new ConfigError('NTK_WITNESS_QUORUM', 'must be a whole number of witnesses');
  return Number(raw);
}
