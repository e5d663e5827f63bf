/**
 * Trusted token issuers: NTK_JWT_ISSUERS names a JSON file
 * `[{ "issuer", "audience", "jwks": { "keys": [...] } | "jwksFile": "path" }]`.
 * Keys are turned into KeyObjects once, by `kid`; only RSA and P-256 EC keys are accepted.
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
}

interface IssuerFileEntry {
  issuer?: unknown;
  audience?: unknown;
  jwks?: { keys?: unknown };
  jwksFile?: unknown;
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
    return { issuer: raw.issuer, audience: raw.audience, keys };
  });
}

export function loadIssuersFile(file: string): TrustedIssuer[] {
  try {
    return parseIssuers(JSON.parse(readFileSync(file, 'utf8')), path.dirname(path.resolve(file)));
  } catch (err) {
    throw new ConfigError('NTK_JWT_ISSUERS', `${file}: ${(err as Error).message}`);
  }
}
