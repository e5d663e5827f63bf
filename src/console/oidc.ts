/**
 * Production sign-in: OpenID Connect authorization code flow with PKCE (S256), state and nonce,
 * against the configured CIS2 issuer, with `openid-client`. The ID token's claims (CIS2 carries the
 * user's roles in `nhsid_nrbac_roles` and the chosen one in `selected_roleid`) are mapped by the same
 * function as API tokens (identity/verify.ts claimsOf), so the principal, and so the role, are those
 * the API would give the same user.
 */
import * as client from 'openid-client';
import type { Cis2Claims } from '../identity/claims.ts';
import { claimsOf } from '../identity/verify.ts';
import type { TrustedIssuer } from '../identity/issuers.ts';
import { Unauthenticated } from '../errors.ts';
import type { OidcConfig } from '../config.ts';
import type { PendingSignIn } from './sessions.ts';

/** CIS2's scopes for the user's RBAC roles and the role they selected. */
const SCOPE = 'openid profile nationalrbacaccess selectedrole';

export class OidcSignIn {
  private discovered?: Promise<client.Configuration>;

  /** `issuers`: the trusted API issuers; the one with the same issuer URL gives the subject prefix. */
  constructor(private readonly config: OidcConfig, private readonly issuers: TrustedIssuer[]) {}

  private configuration(): Promise<client.Configuration> {
    const url = new URL(this.config.issuer);
    // Plain http only for a provider on this machine (the tests'); everything else must be https.
    const insecure = url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    this.discovered ??= client.discovery(url, this.config.clientId, this.config.clientSecret, undefined, insecure ? { execute: [client.allowInsecureRequests] } : undefined)
      .catch((err: unknown) => {
        this.discovered = undefined;
        throw err;
      });
    return this.discovered;
  }

  /** Where to send the browser, and what to remember until it comes back. */
  async start(): Promise<{ url: string; pending: PendingSignIn }> {
    const configuration = await this.configuration();
    const pending = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.config.redirectUri,
      scope: SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /** Exchanges the code in the callback URL; the ID token's claims as a principal's claims. */
  async finish(callbackUrl: URL, pending: PendingSignIn): Promise<Cis2Claims> {
    const configuration = await this.configuration();
    let idClaims: Record<string, unknown> | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      idClaims = tokens.claims() as Record<string, unknown> | undefined;
    } catch (err) {
      throw new Unauthenticated(`sign-in was not completed: ${(err as Error).message.slice(0, 200)}`);
    }
    if (!idClaims) throw new Unauthenticated('the identity provider returned no ID token');
    const trusted = this.issuers.find((i) => i.issuer === idClaims.iss) ?? { issuer: String(idClaims.iss) };
    return claimsOf(idClaims, trusted);
  }
}
