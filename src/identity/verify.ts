/**
 * Access-token verification, exactly as the contract says: RS256/ES256 only, the key chosen by
 * the token's issuer and `kid` from the trusted issuers, iss/aud/exp/nbf checked with 60 s skew.
 */
import jwt from 'jsonwebtoken';
import { unauthorized } from '../http/problem.ts';
import { cis2Claims, type Cis2Claims } from './claims.ts';
import type { TrustedIssuer } from './issuers.ts';

const CLOCK_SKEW_SECONDS = 60;

export function verifyToken(token: string, issuers: TrustedIssuer[]): Cis2Claims {
  const decoded = jwt.decode(token, { complete: true });
  if (!decoded || typeof decoded.payload !== 'object' || decoded.payload === null) {
    throw unauthorized('the access token is not a well-formed JWT');
  }
  const iss = decoded.payload.iss;
  const issuer = issuers.find((i) => i.issuer === iss);
  if (!issuer) throw unauthorized('the access token is not from a trusted issuer');
  const kid = decoded.header.kid;
  const key = kid ? issuer.keys.get(kid) : undefined;
  if (!key) throw unauthorized('the access token is signed with an unknown key');
  if (decoded.header.alg !== key.algorithm) throw unauthorized('the access token uses an algorithm that is not accepted');
  let payload: jwt.JwtPayload;
  try {
    payload = jwt.verify(token, key.key, {
      algorithms: [key.algorithm],
      issuer: issuer.issuer,
      audience: issuer.audience,
      clockTolerance: CLOCK_SKEW_SECONDS,
    }) as jwt.JwtPayload;
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TokenExpiredError') throw unauthorized('the access token has expired');
    if (name === 'NotBeforeError') throw unauthorized('the access token is not valid yet');
    throw unauthorized(`the access token was rejected: ${(err as Error).message}`);
  }
  if (typeof payload.exp !== 'number') throw unauthorized('the access token has no expiry');
  const claims = cis2Claims.safeParse(payload);
  if (!claims.success) throw unauthorized('the access token lacks the required claims');
  return claims.data;
}
