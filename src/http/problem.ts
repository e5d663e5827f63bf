/**
 * The one error type of the HTTP edge: RFC 9457 problem details, and the one mapping from the named
 * errors of src/errors.ts (raised inside) to it. Anything else thrown becomes a 500 without internal
 * detail; store failures become 503 (the request had no effect, nothing was permitted).
 */
import { Conflict, InvalidInput, NotAllowed, NotFound, RateLimited, TooLarge, TrailUnproven, Unauthenticated, type FieldError } from '../errors.ts';
import { StoreUnavailableError } from '../store/store.ts';

export type { FieldError };

const TYPE_BASE = 'https://needtoknow.nhs.example/problems/';

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }

  get type(): string {
    return TYPE_BASE + this.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/(^-|-$)/g, '');
  }

  body(instance?: string): Record<string, unknown> {
    return {
      type: this.type,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) => new Problem(400, 'Invalid request', detail, errors);
export const invalidField = (field: string, message: string) =>
  new Problem(400, 'Invalid request', `${field}: ${message}`, [{ field, message }]);
export const unauthorized = (detail: string) =>
  new Problem(401, 'Unauthorized', detail, undefined, { 'WWW-Authenticate': 'Bearer realm="needtoknow", error="invalid_token"' });
export const forbidden = (detail = 'your role may not use this endpoint') => new Problem(403, 'Forbidden', detail);
export const notFound = (detail = 'no such resource') => new Problem(404, 'Not found', detail);
export const conflict = (detail: string) => new Problem(409, 'Conflict', detail);
export const tooManyRequests = (detail = 'the service is at capacity; retry after the time given') =>
  new Problem(429, 'Too many requests', detail, undefined, { 'Retry-After': '1' });
export const unavailable = (detail = 'the service cannot record an audit event or reach its store; the request had no effect') =>
  new Problem(503, 'Service unavailable', detail, undefined, { 'Retry-After': '1' });

/** Errors from the database drivers that mean the store cannot be reached or used right now. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (!e) return false;
  if (typeof e.code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|57P0[1-3]|08\d{3}|53\d{3})$/.test(e.code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(e.message ?? '');
}

/**
 * The one mapping from whatever was thrown to the problem the caller sees. `bodyLimit` names the
 * configured limit in a 413. Returns undefined for errors that are not the caller's (a 500).
 */
export function toProblem(err: unknown, bodyLimit: string): Problem {
  if (err instanceof Problem) return err;
  if (err instanceof InvalidInput) return badRequest(err.message, err.errors);
  if (err instanceof Unauthenticated) return unauthorized(err.message);
  if (err instanceof NotAllowed) return forbidden(err.message);
  if (err instanceof NotFound) return notFound(err.message);
  if (err instanceof Conflict) return conflict(err.message);
  if (err instanceof RateLimited) return new Problem(429, 'Too many requests', err.message, undefined, { 'Retry-After': String(err.retryAfterSeconds) });
  if (err instanceof TooLarge) return new Problem(413, 'Payload too large', err.message);
  if (err instanceof TrailUnproven) return unavailable(err.message);
  if (err instanceof StoreUnavailableError || isConnectionError(err)) return unavailable();
  const e = err as { type?: string; status?: number; expose?: boolean };
  if (e?.type === 'entity.parse.failed') return new Problem(400, 'Invalid request', 'the body is not valid JSON', [{ field: 'body', message: 'malformed JSON' }]);
  if (e?.type === 'entity.too.large') return new Problem(413, 'Payload too large', `the body exceeds ${bodyLimit}`);
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new Problem(415, 'Unsupported media type', 'unsupported body encoding');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new Problem(e.status, 'Invalid request', 'the request could not be read');
  return new Problem(500, 'Internal error', 'an unexpected error occurred; nothing was permitted');
}
