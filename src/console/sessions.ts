/**
 * Console sessions, server-side in the store. The cookie carries a random 256-bit id; the store keeps
 * its SHA-256, the verified claims, a CSRF token, and the times that bound it: 15 minutes idle, 8 hours
 * in all. A session without claims is a sign-in in progress (persona picker or OpenID Connect).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Queryable } from '../store/store.ts';
import type { Cis2Claims } from '../identity/claims.ts';
import { deleteExpiredSessions, deleteSession, insertSession, sessionById, setResume, touchSession } from './session-table.ts';

export const IDLE_MS = 15 * 60_000;
export const ABSOLUTE_MS = 8 * 3600_000;
/** A sign-in in progress needs minutes, not hours. */
const SIGN_IN_MS = 15 * 60_000;
/**
 * An ended session's row is kept this long (unusable: find() refuses it) so that a form posted after it
 * ended can be kept for its own user only (resume.ts); then the sweep removes it.
 */
const ENDED_KEPT_MS = 2 * 3600_000;

/** What an OpenID Connect sign-in in progress must remember until the callback. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** A form posted after its session ended: where it was going, what was typed, and whose it was. */
export interface KeptForm {
  sub: string;
  path: string;
  fields: [string, string][];
}

export interface ConsoleSession {
  id: string;
  claims?: Cis2Claims;
  pending?: PendingSignIn;
  resume?: KeptForm;
  csrf: string;
}

const hash = (id: string) => createHash('sha256').update(id).digest('base64url');
const token = () => randomBytes(32).toString('base64url');

/** Timing-safe comparison of a submitted CSRF token with the session's. */
export function csrfMatches(session: ConsoleSession | undefined, submitted: unknown): boolean {
  if (!session || typeof submitted !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class Sessions {
  constructor(private readonly db: Queryable, private readonly now: () => Date) {}

  async start(content: { claims?: Cis2Claims; pending?: PendingSignIn; resume?: KeptForm }): Promise<ConsoleSession> {
    const now = this.now();
    const id = token();
    const csrf = token();
    const life = content.claims ? ABSOLUTE_MS : SIGN_IN_MS;
    // Sweep as we go: expired rows are few and the index makes it cheap.
    await deleteExpiredSessions(this.db, new Date(now.getTime() - ENDED_KEPT_MS), new Date(now.getTime() - IDLE_MS - ENDED_KEPT_MS));
    await insertSession(this.db, { idHash: hash(id), claims: content.claims, pending: content.pending, resume: content.resume, csrf, now, expiresAt: new Date(now.getTime() + life) });
    return { id, csrf, ...content };
  }

  /** The live session with this id (its idle clock restarted), or undefined: unknown, idle too long or past its end. */
  async find(id: string | undefined): Promise<ConsoleSession | undefined> {
    return (await this.lookup(id)).session;
  }

  /**
   * As find(), and when the session has ended (and its row not yet swept), whose it was: the row is
   * deleted as it is met, so an ended session is named once at most.
   */
  async lookup(id: string | undefined): Promise<{ session?: ConsoleSession; ended?: { sub: string; csrf: string } }> {
    if (!id || id.length > 100) return {};
    const row = await sessionById(this.db, hash(id));
    if (!row) return {};
    const now = this.now();
    if (new Date(row.expires_at) <= now || now.getTime() - new Date(row.last_seen_at).getTime() >= IDLE_MS) {
      await deleteSession(this.db, row.id_hash);
      const sub = (row.claims as Cis2Claims | null)?.sub;
      return sub ? { ended: { sub, csrf: row.csrf } } : {};
    }
    await touchSession(this.db, row.id_hash, now);
    return {
      session: {
        id, csrf: row.csrf,
        ...(row.claims ? { claims: row.claims as Cis2Claims } : {}),
        ...(row.pending ? { pending: row.pending as PendingSignIn } : {}),
        ...(row.resume ? { resume: row.resume as KeptForm } : {}),
      },
    };
  }

  /** Keeps (or clears) the form this session carries for after sign-in. */
  async keep(session: ConsoleSession, resume: KeptForm | undefined): Promise<void> {
    await setResume(this.db, hash(session.id), resume);
  }

  async end(id: string): Promise<void> {
    await deleteSession(this.db, hash(id));
  }
}

/**
 * Cookies. Signed in: `__Host-ntk`, SameSite=Strict. A sign-in in progress: `__Host-ntk-signin`,
 * SameSite=Lax, because the OpenID provider's redirect back is a cross-site navigation that a Strict
 * cookie would not survive. Both HttpOnly, Path=/, and Secure. Secure cookies (and so the `__Host-`
 * prefix) need https; the one exception is plain http to a loopback address (a developer's machine
 * and the browser tests), where the cookies are named `ntk` / `ntk-signin` and go without Secure.
 * Behind a TLS-terminating proxy the Host is the public name, so the cookies stay Secure.
 */
export type CookieKind = 'session' | 'signin';

function secureRequest(req: Request): boolean {
  return req.secure || !['127.0.0.1', 'localhost', '[::1]', '::1'].includes(req.hostname);
}

function cookieName(kind: CookieKind, secure: boolean): string {
  const base = kind === 'session' ? 'ntk' : 'ntk-signin';
  return secure ? `__Host-${base}` : base;
}

export function readCookie(req: Request, kind: CookieKind): string | undefined {
  const name = cookieName(kind, secureRequest(req));
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function writeCookie(req: Request, res: Response, kind: CookieKind, value: string | undefined): void {
  const secure = secureRequest(req);
  const attrs = ['Path=/', 'HttpOnly', `SameSite=${kind === 'session' ? 'Strict' : 'Lax'}`, ...(secure ? ['Secure'] : [])];
  if (value === undefined) attrs.push('Max-Age=0');
  res.append('Set-Cookie', `${cookieName(kind, secure)}=${value ?? ''}; ${attrs.join('; ')}`);
}
