/**
 * Named errors raised inside the service. Domain code throws these; the HTTP edge maps each to
 * RFC 9457 problem+json once (src/http/problem.ts `toProblem`). Nothing below the edge knows about
 * status codes or headers.
 */

export interface FieldError {
  field: string;
  message: string;
}

/** The request's content is wrong: every field at fault, found before anything was written (400). */
export class InvalidInput extends Error {
  readonly errors: FieldError[];
  constructor(errors: FieldError[] | FieldError, detail?: string) {
    const list = Array.isArray(errors) ? errors : [errors];
    super(detail ?? list.map((e) => `${e.field}: ${e.message}`).join('; '));
    this.name = 'InvalidInput';
    this.errors = list;
  }

  /** Throws one InvalidInput naming every field at fault; does nothing when there is none. */
  static throwIfAny(errors: FieldError[]): void {
    if (errors.length) throw new InvalidInput(errors);
  }
}

/** The caller could not be identified: missing, malformed, expired or untrusted token (401). */
export class Unauthenticated extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unauthenticated';
  }
}

/** The caller is known but may not do this (403). The message may be shown to the caller. */
export class NotAllowed extends Error {
  constructor(message = 'your role may not use this endpoint') {
    super(message);
    this.name = 'NotAllowed';
  }
}

/** No such resource (404). Never raised for children: authorise answers those alike. */
export class NotFound extends Error {
  constructor(message = 'no such resource') {
    super(message);
    this.name = 'NotFound';
  }
}

/** The request conflicts with the resource's current state (409), e.g. reviewing twice. */
export class Conflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Conflict';
  }
}

/** The request body is larger than this endpoint accepts (413). */
export class TooLarge extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TooLarge';
  }
}

/** Too many requests from this caller or in total (429, with a retry hint in seconds). */
export class RateLimited extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
    this.name = 'RateLimited';
  }
}

/**
 * The trail cannot be proved consistent with what was published outside the database: the service
 * signs nothing and serves no decision until an operator has recovered it (503).
 */
export class TrailUnproven extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrailUnproven';
  }
}
