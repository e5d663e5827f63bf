/**
 * Access-token verification, exactly as the contract says: RS256/ES256 only, the key chosen by
 * the token's issuer and `kid` from the trusted issuers, iss/aud/exp/nbf checked with 60 s skew,
 * and a lifetime no longer than the configured maximum. Messages name what failed, never the
 * configuration (no expected audience or issuer is echoed back).
 */
import jwt from 'jsonwebtoken';
import { Unauthenticated } from '../errors.ts';
import { cis2Claims, type Cis2Claims } from './claims.ts';
import type { TrustedIssuer } from './issuers.ts';

const CLOCK_SKEW_SECONDS = 60;
/** Default longest lifetime of an access token (CIS2's are about an hour; demo tokens 8 hours). */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;

export function verifyToken(token: string, issuers: TrustedIssuer[], maxLifetimeSeconds = MAX_TOKEN_LIFETIME_SECONDS, nowSeconds = Date.now() / 1000): Cis2Claims {
  const decoded = jwt.decode(token, { complete: true });
  if (!decoded || typeof decoded.payload !== 'object' || decoded.payload === null) {
    throw new Unauthenticated('the access token is not a well-formed JWT');
  }
  const iss = decoded.payload.iss;
  const issuer = issuers.find((i) => i.issuer === iss);
  if (!issuer) throw new Unauthenticated('the access token is not from a trusted issuer');
  const kid = decoded.header.kid;
  const key = kid ? issuer.keys.get(kid) : undefined;
  if (!key) throw new Unauthenticated('the access token is signed with an unknown key');
  if (decoded.header.alg !== key.algorithm) throw new Unauthenticated('the access token uses an algorithm that is not accepted');
  let payload: jwt.JwtPayload;
  try {
    payload = jwt.verify(token, key.key, {
      algorithms: [key.algorithm],
      issuer: issuer.issuer,
      audience: issuer.audience,
      clockTolerance: CLOCK_SKEW_SECONDS,
      clockTimestamp: Math.floor(nowSeconds),
    }) as jwt.JwtPayload;
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TokenExpiredError') throw new Unauthenticated('the access token has expired');
    if (e.name === 'NotBeforeError') throw new Unauthenticated('the access token is not valid yet');
    if (/audience/.test(e.message)) throw new Unauthenticated('the access token is not meant for this service (aud)');
    if (/signature/.test(e.message)) throw new Unauthenticated('the access token signature does not verify');
    throw new Unauthenticated('the access token was rejected');
  }
  if (typeof payload.exp !== 'number') throw new Unauthenticated('the access token has no expiry');
  const issuedAt = typeof payload.iat === 'number' ? payload.iat : typeof payload.nbf === 'number' ? payload.nbf : nowSeconds;
  if (payload.exp - Math.min(issuedAt, nowSeconds) > maxLifetimeSeconds + CLOCK_SKEW_SECONDS) {
    throw new Unauthenticated(`the access token lives longer than the ${Math.round(maxLifetimeSeconds / 3600)} hours this service accepts`);
  }
  return claimsOf(payload, issuer);
}

/**
 * The CIS2 claims of a verified token of this issuer, as every principal is built from them: the
 * console's OpenID Connect sign-in maps its ID token through here too, so users are the same users.
 */
export function claimsOf(payload: unknown, issuer: Pick<TrustedIssuer, 'issuer' | 'subjectPrefix' | 'machineClients'>): Cis2Claims {
  const claims = cis2Claims.safeParse(payload);
  if (!claims.success) throw new Unauthenticated('the access token lacks the required claims');
  const client = claims.data.azp ?? claims.data.client_id;
  return {
    ...claims.data,
    sub: issuer.subjectPrefix ? `${issuer.subjectPrefix}:${claims.data.sub}` : claims.data.sub,
    iss: issuer.issuer,
    machineClient: client !== undefined && (issuer.machineClients ?? []).includes(client),
  };
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
    private readonly maxLifetimeSeconds = MAX_TOKEN_LIFETIME_SECONDS,
  ) {}

  verify(token: string): Cis2Claims {
    const hit = this.verified.get(token);
    const now = this.nowSeconds();
    if (hit) {
      if (now > hit.exp + CLOCK_SKEW_SECONDS) {
        this.verified.delete(token);
        throw new Unauthenticated('the access token has expired');
      }
      if (now + CLOCK_SKEW_SECONDS < hit.nbf) throw new Unauthenticated('the access token is not valid yet');
      return hit.claims;
    }
    const claims = verifyToken(token, this.issuers, this.maxLifetimeSeconds, now);
    const payload = jwt.decode(token) as jwt.JwtPayload;
    if (this.verified.size >= this.max) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { claims, exp: payload.exp!, nbf: payload.nbf ?? 0 });
    return claims;
  }
}
