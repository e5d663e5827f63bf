/**
 * The console at /console: server-rendered pages in the NHS design system over the same use cases as
 * the API. In front of every page: a strict CSP (no inline script or style), no-store, the session
 * (else to sign-in), a CSRF check on every POST, and the principal resolved exactly as for API tokens.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Services } from '../services.ts';
import type { DemoIssuer } from '../identity/demo-issuer.ts';
import type { TrustedIssuer } from '../identity/issuers.ts';
import { resolvePrincipalFromStore } from '../identity/resolve.ts';
import { toProblem } from '../http/problem.ts';
import { Sessions, csrfMatches, readCookie } from './sessions.ts';
import { nhsukDist, viewEnvironment } from './render.ts';
import { page, type Screen } from './context.ts';
import { signInRoutes, tampered } from './sign-in.ts';
import { OidcSignIn } from './oidc.ts';
import { keepForm, resumeRoutes } from './resume.ts';
import { homeRoutes } from './screens/home.ts';
import { accessReportRoutes } from './screens/access-report.ts';
import { staffActivityRoutes } from './screens/staff-activity.ts';
import { breakGlassRoutes } from './screens/break-glass.ts';
import { alertRoutes } from './screens/alerts.ts';
import { exposureRoutes } from './screens/exposure.ts';
import { whatIfRoutes } from './screens/what-if.ts';
import { monitoringRoutes } from './screens/monitoring.ts';
import { grantRoutes } from './screens/grants.ts';
import { trailIntegrityRoutes } from './screens/trail-integrity.ts';

export interface ConsoleOptions {
  /** The demo issuer (demo store): the persona picker signs in with its tokens. */
  demoIssuer?: DemoIssuer;
  /** Trusted API issuers: an OpenID Connect user gets the subject prefix of the one with the same issuer URL. */
  issuers: TrustedIssuer[];
}

export const CONSOLE_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'",
].join('; ');

/** Our CSS and JS, found from src/ and from the compiled dist/ alike (see render.ts). */
const assets = fileURLToPath(new URL('../../src/console/assets/', import.meta.url));

export function consoleRouter(services: Services, options: ConsoleOptions): express.Router {
  const views = viewEnvironment();
  const screen: Screen = { services, views };
  const sessions = new Sessions(services.store, services.now);
  const oidc = services.config.oidc ? new OidcSignIn(services.config.oidc, options.issuers) : undefined;
  const router = express.Router();

  router.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  // nhsuk-frontend from our own origin: CSS, the JS module, images.
  const dist = path.join(nhsukDist, 'nhsuk');
  router.get('/assets/nhsuk-frontend.min.css', (_req, res) => res.sendFile(path.join(dist, 'nhsuk-frontend.min.css')));
  router.get('/assets/nhsuk-frontend.min.js', (_req, res) => res.sendFile(path.join(dist, 'nhsuk-frontend.min.js')));
  router.use('/assets/images', express.static(path.join(dist, 'assets', 'images'), { index: false }));
  router.use('/assets', express.static(assets, { index: false }));
  router.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 50 }));

  router.use(signInRoutes({ ...screen, sessions, demoIssuer: options.demoIssuer, oidc }));

  // Everything below needs a signed-in session.
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const { session, ended } = await sessions.lookup(readCookie(req, 'session'));
    if (!session?.claims) {
      // A session that timed out sends its user back to sign in; a POST's work is not done, but what
      // was typed is kept for that user (resume.ts).
      if (req.method === 'POST' && ended) await keepForm(sessions, req, res, ended);
      return res.redirect(303, `/console/sign-in${readCookie(req, 'session') ? '?expired=1' : ''}`);
    }
    if (req.method === 'POST' && !csrfMatches(session, (req.body as Record<string, unknown> | undefined)?._csrf)) return tampered(views, res);
    res.locals.console = { session, principal: await resolvePrincipalFromStore(services, session.claims) };
    next();
  });
  router.use(resumeRoutes({ ...screen, sessions }));
  router.use(homeRoutes(screen));
  router.use(accessReportRoutes(screen));
  router.use(staffActivityRoutes(screen));
  router.use(breakGlassRoutes(screen));
  router.use(alertRoutes(screen));
  router.use(exposureRoutes(screen));
  router.use(whatIfRoutes(screen));
  router.use(monitoringRoutes(screen));
  router.use(grantRoutes(screen));
  router.use(trailIntegrityRoutes(screen));

  router.use((_req: Request, res: Response) => page(views, res, 'error.njk', { title: 'Page not found', message: 'There is no console page at this address.' }, 404));
  // Named errors map to statuses once (http/problem.ts); the console answers with a page, never JSON.
  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const problem = toProblem(err, services.config.bodyLimit);
    if (problem.status >= 500) services.log.error({ requestId: res.locals.requestId, err: err instanceof Error ? err.message : String(err) }, 'console page failed');
    const title = problem.status === 403 ? 'You do not have access to this page' : problem.status === 401 ? 'You need to sign in' : problem.title;
    const message = problem.status >= 500 ? 'Nothing was changed. Try again in a moment.' : problem.status === 403 ? 'Your role may not use this page, or this action.' : (problem.detail ?? problem.title);
    page(views, res, 'error.njk', { title, message }, problem.status);
  });
  return router;
}
