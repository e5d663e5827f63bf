/**
 * The one error type of the HTTP edge: RFC 9457 problem details. Anything else thrown becomes a 500
 * without internal detail; store failures become 503 (the request had no effect, nothing was permitted).
 */

export interface FieldError {
  field: string;
  message: string;
}

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
