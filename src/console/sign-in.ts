/**
 * Signing in and out. Demo store: a persona picker; each persona's claims are those of its demo token
 * (identity/demo-tokens.ts), signed and verified exactly as the API verifies it. Production: OpenID
 * Connect (oidc.ts). Either way a new session id is issued at sign-in (no fixation) and the sign-in
 * session is deleted.
 */
import express, { type Request, type Response } from 'express';
import type { Services } from '../services.ts';
import type { DemoIssuer } from '../identity/demo-issuer.ts';
import { demoToken } from '../identity/demo-tokens.ts';
import { verifyToken } from '../identity/verify.ts';
import type { Cis2Claims } from '../identity/claims.ts';
import { demoPersonas } from '../population/personas.ts';
import { Unauthenticated } from '../errors.ts';
import { csrfMatches, readCookie, writeCookie, type Sessions } from './sessions.ts';
import { field, page, type Screen } from './context.ts';
import type { OidcSignIn } from './oidc.ts';
import { keptFor } from './resume.ts';

export interface SignInDeps extends Screen {
  sessions: Sessions;
  demoIssuer?: DemoIssuer;
  oidc?: OidcSignIn;
}

/** People sign in; the integration feed (a machine client) does not. */
async function personas(services: Services) {
  return (await demoPersonas(services.store)).filter((p) => p.roleCode !== null);
}

export function signInRoutes(deps: SignInDeps): express.Router {
  const { services, views, sessions } = deps;
  const router = express.Router();

  /** Starts the signed-in session; returns where to go next (the kept form's page, when there is one of this user's). */
  async function signedIn(req: Request, res: Response, claims: Cis2Claims): Promise<string> {
    const old = await sessions.find(readCookie(req, 'signin'));
    if (old) await sessions.end(old.id);
    writeCookie(req, res, 'signin', undefined);
    const resume = keptFor(old?.resume, claims.sub);
    const session = await sessions.start({ claims, resume });
    writeCookie(req, res, 'session', session.id);
    return resume ? '/console/resume' : '/console';
  }

  async function pickerPage(req: Request, res: Response, errors: { field: string; message: string }[] = [], status = 200) {
    // Reuse the sign-in session the browser already has, so reloading the page does not add rows.
    const existing = await sessions.find(readCookie(req, 'signin'));
    const signin = existing && !existing.pending && !existing.claims ? existing : await sessions.start({});
    if (signin !== existing) writeCookie(req, res, 'signin', signin.id);
    const list = deps.demoIssuer ? await personas(services) : [];
    page(views, res, 'sign-in.njk', {
      title: 'Sign in', csrf: signin.csrf, oidc: Boolean(deps.oidc), expired: req.query.expired === '1', errors,
      personas: list.map((p) => ({ value: p.key, text: p.name, hint: { text: p.description } })),
    }, status);
  }

  router.get('/sign-in', async (req, res) => pickerPage(req, res));

  router.post('/sign-in/demo', async (req, res) => {
    if (!deps.demoIssuer) throw new Unauthenticated('the persona picker exists only on the demo store');
    const signin = await sessions.find(readCookie(req, 'signin'));
    // The form's token must match the sign-in session that served it (no login CSRF).
    if (!csrfMatches(signin, field(req, '_csrf'))) return tampered(views, res);
    const persona = (await personas(services)).find((p) => p.key === field(req, 'persona'));
    if (!persona) return pickerPage(req, res, [{ field: 'persona', message: 'Select who to sign in as' }], 400);
    const token = demoToken(deps.demoIssuer, services.policy.current.roles, persona.productRole, {
      userId: persona.userId, name: persona.name, orgCode: persona.orgCode ?? '', workgroups: persona.workgroups, activities: persona.activityCodes,
    }, 60);
    res.redirect(303, await signedIn(req, res, verifyToken(token, [deps.demoIssuer.trusted])));
  });

  router.get('/sign-in/cis2', async (req, res) => {
    if (!deps.oidc) throw new Unauthenticated('OpenID Connect sign-in is not configured (NTK_OIDC_*)');
    const { url, pending } = await deps.oidc.start();
    // A form kept when the last session ended travels with this sign-in.
    const before = await sessions.find(readCookie(req, 'signin'));
    if (before) await sessions.end(before.id);
    const signin = await sessions.start({ pending, resume: before?.resume });
    writeCookie(req, res, 'signin', signin.id);
    res.redirect(303, url);
  });

  router.get('/auth/callback', async (req, res) => {
    if (!deps.oidc) throw new Unauthenticated('OpenID Connect sign-in is not configured (NTK_OIDC_*)');
    const signin = await sessions.find(readCookie(req, 'signin'));
    if (!signin?.pending) throw new Unauthenticated('this sign-in is unknown or has expired: start again');
    // The callback as registered (NTK_OIDC_REDIRECT_URI) with the provider's parameters: right behind a proxy too.
    const callback = new URL(services.config.oidc!.redirectUri);
    callback.search = new URL(req.originalUrl, callback).search;
    const claims = await deps.oidc.finish(callback, signin.pending);
    page(views, res, 'signed-in.njk', { title: 'Signed in', next: await signedIn(req, res, claims) });
  });

  router.post('/sign-out', async (req, res) => {
    const session = await sessions.find(readCookie(req, 'session'));
    if (!csrfMatches(session, field(req, '_csrf'))) return tampered(views, res);
    await sessions.end(session!.id);
    writeCookie(req, res, 'session', undefined);
    res.redirect(303, '/console/sign-in');
  });
  return router;
}

/** A form whose CSRF token does not match: 403, and nothing was done. */
export function tampered(views: Screen['views'], res: Response): void {
  page(views, res, 'error.njk', { title: 'This form has expired or was not ours', message: 'Nothing was changed. Go back, reload the page and try again.' }, 403);
}
