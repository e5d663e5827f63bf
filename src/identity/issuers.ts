/**
 * Trusted token issuers: NTK_JWT_ISSUERS names a JSON file
 * `[{ "issuer", "audience", "jwks": { "keys": [...] } | "jwksFile": "path", "machineClients"?: ["<client id>"], "subjectPrefix"?: "la" }]`.
 * Keys are turned into KeyObjects once, by `kid`; only RSA and P-256 EC keys are accepted.
 *
 * Principals are keyed by issuer and subject: a user id is `sub` for an issuer whose subjectPrefix is
 * empty (the default), else `<subjectPrefix>:<sub>`. No two issuers may share a prefix, so a second
 * issuer's "hv-x" can never be taken for the first's. Machine scopes (ntk:admin) are honoured only for
 * the client ids an issuer lists in machineClients.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config.ts';

export interface TrustedKey {
  kid: string;
  key: KeyObject;
  algorithm: 'RS256' | 'ES256';
}

export interface TrustedIssuer {
  issuer: string;
  audience: string;
  keys: Map<string, TrustedKey>;
  /** Client ids (azp, else client_id) whose tokens may carry machine scopes such as ntk:admin. */
  machineClients?: string[];
  /** Namespace of this issuer's subjects in user ids ('' or absent: the bare sub). */
  subjectPrefix?: string;
}

const PREFIX = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** Refuses two issuers whose subjects would share one namespace of user ids. */
export function checkIssuerNamespaces(issuers: TrustedIssuer[]): void {
  const seen = new Map<string, string>();
  for (const i of issuers) {
    const prefix = i.subjectPrefix ?? '';
    const other = seen.get(prefix);
    if (other !== undefined) {
      throw new ConfigError('NTK_JWT_ISSUERS', `issuers "${other}" and "${i.issuer}" would share user ids: give each a distinct "subjectPrefix"`);
    }
    seen.set(prefix, i.issuer);
  }
}

interface IssuerFileEntry {
  issuer?: unknown;
  audience?: unknown;
  jwks?: { keys?: unknown };
  jwksFile?: unknown;
  machineClients?: unknown;
  subjectPrefix?: unknown;
}

export function keyFromJwk(jwk: JsonWebKey & { kid?: string; alg?: string }): TrustedKey {
  if (!jwk.kid) throw new Error('every JWKS key needs a "kid"');
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  if (key.asymmetricKeyType === 'rsa') return { kid: jwk.kid, key, algorithm: 'RS256' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return { kid: jwk.kid, key, algorithm: 'ES256' };
  }
  throw new Error(`key "${jwk.kid}" is neither RSA nor EC P-256`);
}

export function parseIssuers(entries: unknown, baseDir: string): TrustedIssuer[] {
  if (!Array.isArray(entries)) throw new Error('must be a JSON array of issuers');
  return entries.map((raw: IssuerFileEntry, i) => {
    if (typeof raw?.issuer !== 'string' || !raw.issuer) throw new Error(`entry ${i}: "issuer" is required`);
    if (typeof raw.audience !== 'string' || !raw.audience) throw new Error(`entry ${i}: "audience" is required`);
    let jwks = raw.jwks;
    if (!jwks && typeof raw.jwksFile === 'string') {
      jwks = JSON.parse(readFileSync(path.resolve(baseDir, raw.jwksFile), 'utf8'));
    }
    if (!jwks || !Array.isArray(jwks.keys)) throw new Error(`entry ${i}: "jwks" with "keys" or "jwksFile" is required`);
    const keys = new Map<string, TrustedKey>();
    for (const jwk of jwks.keys) {
      const k = keyFromJwk(jwk);
      keys.set(k.kid, k);
    }
    const machineClients = raw.machineClients ?? [];
    if (!Array.isArray(machineClients) || !machineClients.every((c) => typeof c === 'string' && c)) {
      throw new Error(`entry ${i}: "machineClients" must be a list of client ids`);
    }
    const subjectPrefix = raw.subjectPrefix ?? '';
    if (typeof subjectPrefix !== 'string' || (subjectPrefix !== '' && !PREFIX.test(subjectPrefix))) {
      throw new Error(`entry ${i}: "subjectPrefix" must be lower-case letters, digits and hyphens (at most 32)`);
    }
    return { issuer: raw.issuer, audience: raw.audience, keys, machineClients, subjectPrefix };
  });
}

export function loadIssuersFile(file: string): TrustedIssuer[] {
  try {
    return parseIssuers(JSON.parse(readFileSync(file, 'utf8')), path.dirname(path.resolve(file)));
  } catch (err) {
    throw new ConfigError('NTK_JWT_ISSUERS', `${file}: ${(err as Error).message}`);
  }
}
