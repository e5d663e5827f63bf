/**
 * A form sent after its session ended is not lost. The router keeps what was typed (never the CSRF
 * token) server-side, on the sign-in session that follows; once the same user has signed in again, a
 * page shows it back with a button that sends it again under the new session. Nothing is sent without
 * that click, and another person signing in on the same browser never sees it (the kept form names its
 * user). NHS numbers stay out of URLs and the browser's storage: the form lives in the store only.
 */
import express, { type Request, type Response } from 'express';
import { csrfMatches, writeCookie, type KeptForm, type Sessions } from './sessions.ts';
import { page, who, type Screen } from './context.ts';

const MAX_FIELDS = 50;

/** Called for a POST whose session has ended: keeps its form for `sub` if its CSRF token was that session's. */
export async function keepForm(sessions: Sessions, req: Request, res: Response, ended: { sub: string; csrf: string }): Promise<void> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (!csrfMatches({ id: '', csrf: ended.csrf }, body._csrf)) return;
  const fields: [string, string][] = [];
  for (const [name, value] of Object.entries(body)) {
    if (name === '_csrf') continue;
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string' && fields.length < MAX_FIELDS) fields.push([name, v]);
  }
  const signin = await sessions.start({ resume: { sub: ended.sub, path: req.path, fields } });
  writeCookie(req, res, 'signin', signin.id);
}

/** The kept form a finished sign-in carries on to the new session: only when it is the same user's. */
export function keptFor(resume: KeptForm | undefined, sub: string | undefined): KeptForm | undefined {
  return resume && sub && resume.sub === sub ? resume : undefined;
}

export function resumeRoutes({ views, sessions }: Screen & { sessions: Sessions }): express.Router {
  const router = express.Router();
  router.get('/resume', async (_req, res) => {
    const { session } = who(res);
    const kept = keptFor(session.resume, session.claims?.sub);
    if (!kept) return res.redirect(303, '/console');
    // Shown once: reloading the page does not bring it back.
    await sessions.keep(session, undefined);
    page(views, res, 'resume.njk', {
      title: 'Your session ended before this was sent', action: `/console${kept.path}`,
      fields: kept.fields.map(([name, value]) => ({ name, value })),
    });
  });
  return router;
}
