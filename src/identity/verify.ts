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

/**
 * Verifies tokens, remembering those already verified: a clinical system sends the same token with
 * every request of a session, and an ECDSA verification costs more than the rest of a decision.
 * A remembered token is still checked against the clock on every use (exp, nbf, 60 s skew), and
 * only a token whose signature and claims verified is remembered, keyed by its exact bytes.
 */
export class TokenVerifier {
  private readonly verified = new Map<string, { claims: Cis2Claims; exp: number; nbf: number }>();

  constructor(
    private readonly issuers: TrustedIssuer[],
    private readonly max = 10_000,
    private readonly nowSeconds: () => number = () => Date.now() / 1000,
  ) {}

  verify(token: string): Cis2Claims {
    const hit = this.verified.get(token);
    const now = this.nowSeconds();
    if (hit) {
      if (now > hit.exp + CLOCK_SKEW_SECONDS) {
        this.verified.delete(token);
        throw unauthorized('the access token has expired');
      }
      if (now + CLOCK_SKEW_SECONDS < hit.nbf) throw unauthorized('the access token is not valid yet');
      return hit.claims;
    }
    const claims = verifyToken(token, this.issuers);
    const payload = jwt.decode(token) as jwt.JwtPayload;
    if (this.verified.size >= this.max) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { claims, exp: payload.exp!, nbf: payload.nbf ?? 0 });
    return claims;
  }
}
