/** Access tokens: exactly the contract's rules, and the selected role only. */
import { createHmac, generateKeyPairSync, createPublicKey } from 'node:crypto';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { cis2Claims, startTestService, type TestService } from '../support/app.ts';
import { feedFixture, NHS, users } from '../support/fixture.ts';

// A second issuer, configured the way deployments do it: an NTK_JWT_ISSUERS file with an RSA JWKS.
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaJwk = { ...createPublicKey(rsa.privateKey).export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig' };
const dir = mkdtempSync(path.join(tmpdir(), 'ntk-issuers-'));
const issuersFile = path.join(dir, 'issuers.json');
// The test issuer's subjects are bare ids; this second issuer's live in their own namespace (cis2:<sub>).
writeFileSync(issuersFile, JSON.stringify([{ issuer: 'https://cis2.example', audience: 'ntk-prod', jwks: { keys: [rsaJwk] }, subjectPrefix: 'cis2' }]));

function rsaToken(claims: object, options: jwt.SignOptions = {}) {
  const all: jwt.SignOptions = { algorithm: 'RS256', keyid: 'rsa-1', issuer: 'https://cis2.example', audience: 'ntk-prod', expiresIn: 600, ...options };
  // A token whose claims carry their own exp must not also be given expiresIn.
  if ('exp' in claims) delete all.expiresIn;
  return jwt.sign(claims, rsa.privateKey, all);
}

const body = { child: NHS.toddler, sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT' };

describe.each(storeKinds)('access tokens ($name)', (kind) => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService(kind, { NTK_JWT_ISSUERS: issuersFile });
    await feedFixture(svc);
  });
  afterAll(() => svc?.close());

  const call = (token: string | undefined) => {
    const r = svc.http.post('/v1/authorise').send(body);
    return token === undefined ? r : r.set('Authorization', `Bearer ${token}`);
  };

  it('accepts a token from an issuer listed in NTK_JWT_ISSUERS', async () => {
    const r = await call(rsaToken(cis2Claims(users.hv)));
    expect(r.status).toBe(200);
    expect(r.body.decisions[0].decision).toBe('permit');
  });

  it('refuses a missing token with 401 and WWW-Authenticate: Bearer', async () => {
    const r = await call(undefined);
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(r.headers['content-type']).toMatch(/problem\+json/);
  });

  const bad: [string, () => string][] = [
    ['tampered', () => {
      const [h, p, s] = rsaToken(cis2Claims(users.hv)).split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      claims.sub = 'someone-else';
      return [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.');
    }],
    ['expired', () => rsaToken({ ...cis2Claims(users.hv), exp: Math.floor(Date.now() / 1000) - 120 })],
    ['not yet valid', () => rsaToken(cis2Claims(users.hv), { notBefore: 600 })],
    ['wrong audience', () => rsaToken(cis2Claims(users.hv), { audience: 'someone-else' })],
    ['wrong issuer', () => jwt.sign(cis2Claims(users.hv), rsa.privateKey, { algorithm: 'RS256', keyid: 'rsa-1', issuer: 'https://evil.example', audience: 'ntk-prod', expiresIn: 600 })],
    ['alg none', () => {
      const h = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: 'rsa-1' })).toString('base64url');
      const p = Buffer.from(JSON.stringify({ ...cis2Claims(users.hv), iss: 'https://cis2.example', aud: 'ntk-prod', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
      return `${h}.${p}.`;
    }],
    ['HS256 signed with the public key', () => {
      const pem = createPublicKey(rsa.privateKey).export({ type: 'spki', format: 'pem' }).toString();
      const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'rsa-1' })).toString('base64url');
      const p = Buffer.from(JSON.stringify({ ...cis2Claims(users.hv), iss: 'https://cis2.example', aud: 'ntk-prod', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
      const sig = createHmac('sha256', pem).update(`${h}.${p}`).digest('base64url');
      return `${h}.${p}.${sig}`;
    }],
    ['unknown key id', () => jwt.sign(cis2Claims(users.hv), rsa.privateKey, { algorithm: 'RS256', keyid: 'rsa-2', issuer: 'https://cis2.example', audience: 'ntk-prod', expiresIn: 600 })],
    ['garbage', () => 'not-a-jwt'],
  ];
  it.each(bad)('refuses a %s token with 401', async (_name, make) => {
    const r = await call(make());
    expect(r.status).toBe(401);
    expect(r.body.status).toBe(401);
  });

  it('accepts 60 seconds of clock skew on expiry, not more', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await call(rsaToken({ ...cis2Claims(users.hv), exp: now - 30 }))).status).toBe(200);
    expect((await call(rsaToken({ ...cis2Claims(users.hv), exp: now - 90 }))).status).toBe(401);
  });

  it('decides on the selected role only, never the union of roles', async () => {
    // The user also holds a health-visiting role, but selected a clerical one: clerks see demographics only.
    const claims = cis2Claims(users.hv);
    claims.nhsid_nrbac_roles.push({ person_roleid: 'pr-clerical', org_code: 'RNU', role_code: 'S8000:G8000:R8010', activity_codes: ['B0820'], workgroups_codes: ['CHR-OX'] });
    claims.selected_roleid = 'pr-clerical';
    const r = await call(svc.issuer.sign(claims as never));
    expect(r.status).toBe(200);
    expect(r.body.decisions[0]).toMatchObject({ decision: 'deny', reasons: ['ROLE_NOT_PERMITTED'] });
  });

  it('answers 403, not a crash, for a role the mapping does not know', async () => {
    const r = await call(svc.tokenFor({ id: 'x', org: 'RNU', roleCode: 'S0:G0:R9999' }));
    expect(r.status).toBe(403);
    expect(r.body.title).toBe('Forbidden');
  });

  it('answers 403 when the selected role id matches none of the roles', async () => {
    const r = await call(svc.tokenFor(users.hv, { selected_roleid: 'nope' }));
    expect(r.status).toBe(403);
  });
});
