/** What every console screen works with: the signed-in session, its principal, and how to answer with a page. */
import type { Request, Response } from 'express';
import type nunjucks from 'nunjucks';
import type { Principal } from '../identity/principal.ts';
import type { Services } from '../services.ts';
import type { Asker } from '../ig/audit-query.ts';
import { actorOf } from '../trail/actor.ts';
import { NotAllowed } from '../errors.ts';
import type { ConsoleSession } from './sessions.ts';

export interface FieldError {
  /** The form field at fault ('' for an error about the whole form: listed in the summary without a link). */
  field: string;
  message: string;
}

export interface Screen {
  services: Services;
  views: nunjucks.Environment;
}

/** The signed-in session and principal of this request (set by the router before any screen runs). */
export function who(res: Response): { session: ConsoleSession; principal: Principal } {
  return res.locals.console as { session: ConsoleSession; principal: Principal };
}

/** The same capability check as the API route the screen stands for (policies/roles.json): 403 otherwise. */
export function requireCapability(services: Services, res: Response, capability: string): Principal {
  const { principal } = who(res);
  if (!services.policy.current.capability(capability, principal.role)) throw new NotAllowed('your role may not use this screen');
  return principal;
}

export function askerOf(res: Response): Asker {
  return { actor: actorOf(who(res).principal), requestId: res.locals.requestId as string };
}

/** Renders a page with the signed-in user and the CSRF token every form carries; errors in the NHS pattern. */
export function page(views: nunjucks.Environment, res: Response, view: string, vars: Record<string, unknown>, status = 200): void {
  const c = res.locals.console as { session: ConsoleSession; principal: Principal } | undefined;
  const errors = (vars.errors as FieldError[] | undefined) ?? [];
  const fieldErrors = Object.fromEntries(errors.map((e) => [e.field, e.message]));
  const html = views.render(view, {
    ...vars,
    errors: errors.map((e) => (e.field ? { text: e.message, href: `#${e.field}` } : { text: e.message })),
    fieldErrors,
    csrf: vars.csrf ?? c?.session.csrf,
    user: c?.principal ? { name: c.principal.name ?? c.principal.userId, roleWords: c.principal.role ?? 'no product role' } : undefined,
  });
  res.status(status).type('html').send(html);
}

/** A form field as a string (urlencoded bodies may repeat a name: the first is taken). */
export function field(req: Request, name: string): string {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s : '';
}
