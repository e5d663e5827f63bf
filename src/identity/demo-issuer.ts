/**
 * The local demo issuer of the embedded default: an ES256 key kept in the data directory.
 * It is trusted only when demo mode created it; `npm run token` signs with it.
 */
import { generateKeyPairSync, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { keyFromJwk, type TrustedIssuer } from './issuers.ts';
import type { Cis2Claims } from './claims.ts';

export const DEMO_ISSUER = 'https://demo-issuer.needtoknow.local';
export const DEMO_AUDIENCE = 'needtoknow';

export interface DemoIssuer {
  trusted: TrustedIssuer;
  sign(claims: Partial<Cis2Claims> & { sub: string }, options?: { expiresIn?: number }): string;
}

interface Stored {
  kid: string;
  privatePem: string;
}

export function demoIssuerFile(dataDir: string): string {
  return path.join(dataDir, 'demo-issuer.json');
}

/** Loads the demo issuer key from the data directory, creating it when `create` is set. */
export function loadDemoIssuer(dataDir: string, create: boolean): DemoIssuer | undefined {
  const file = demoIssuerFile(dataDir);
  let stored: Stored;
  if (existsSync(file)) {
    stored = JSON.parse(readFileSync(file, 'utf8'));
  } else if (create) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    stored = { kid: `demo-${randomBytes(4).toString('hex')}`, privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
  } else {
    return undefined;
  }
  return demoIssuerFromKey(stored.kid, stored.privatePem);
}

/** `machineClients`: the client ids (azp) whose tokens may carry ntk:admin; the demo feed's by default. */
/** The demo integration feed's client id (the admin persona). */
export const DEMO_FEED_CLIENT = 'ntk-demo-feed';

export function demoIssuerFromKey(kid: string, privatePem: string, issuer = DEMO_ISSUER, audience = DEMO_AUDIENCE, machineClients = [DEMO_FEED_CLIENT]): DemoIssuer {
  const privateKey = createPrivateKey(privatePem);
  const jwk = { ...createPublicKey(privateKey).export({ format: 'jwk' }), kid };
  const key = keyFromJwk(jwk);
  return {
    trusted: { issuer, audience, keys: new Map([[kid, key]]), machineClients },
    sign(claims, options = {}) {
      return jwt.sign(claims, privateKey, {
        algorithm: key.algorithm,
        keyid: kid,
        issuer,
        audience,
        expiresIn: options.expiresIn ?? 8 * 3600,
      });
    },
  };
}
