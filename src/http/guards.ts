/**
 * What stands in front of every route, in this order: the token (before a byte of the body is read,
 * so a client without one holds nothing), the admission limit (slots are held only by authenticated
 * work), per-principal rate limits where abuse is cheap, then the body parser with its size limit.
 * Break-glass declarations and health checks are never limited.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { Unauthenticated } from '../errors.ts';
import type { Cis2Claims } from '../identity/claims.ts';
import { Problem, tooManyRequests } from './problem.ts';
import type { RateBucket, RateLimiter } from './rate-limiter.ts';

export type { RateBucket } from './rate-limiter.ts';

export interface GuardDeps {
  authenticate(req: Request): Cis2Claims;
  maxInFlight: number;
  bodyLimit: string;
  /** The process's rate limits (shared with the console). */
  limiter: RateLimiter;
  onShed(): void;
  /** Told the number of admitted requests in progress whenever it changes. */
  onInFlight?(n: number): void;
}

export interface RouteGuards {
  /** Verifies the token into res.locals.claims (401 and a closed connection when it fails). */
  authenticate: RequestHandler;
  admit(alwaysAdmitted: boolean): RequestHandler;
  limit(bucket: RateBucket): RequestHandler;
  /** JSON bodies only (415 naming Content-Type otherwise), within the size limit. */
  json: RequestHandler;
}

/** The request has a body (or says it will). */
const hasBody = (req: Request) => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

export function routeGuards(deps: GuardDeps): RouteGuards {
  let inFlight = 0;
  const parseJson = express.json({ limit: deps.bodyLimit, type: () => true });

  return {
    authenticate: (req: Request, res: Response, next: NextFunction) => {
      try {
        res.locals.claims = deps.authenticate(req);
        next();
      } catch (err) {
        if (!(err instanceof Unauthenticated)) return next(err);
        // Failures count against the client's address; past the limit they get 429 instead of 401.
        // A valid token is never refused for what others sent from the same address.
        deps.limiter.take('failedTokens', req.socket.remoteAddress ?? 'unknown', 'failed tokens from this address').then(() => next(err), next);
      }
    },
    admit: (always: boolean) => (req: Request, res: Response, next: NextFunction) => {
      if (deps.maxInFlight <= 0 || always) return next();
      if (inFlight >= deps.maxInFlight) {
        deps.onShed();
        return next(tooManyRequests());
      }
      deps.onInFlight?.(++inFlight);
      res.once('close', () => deps.onInFlight?.(--inFlight));
      next();
    },
    limit: (bucket: RateBucket) => (_req: Request, res: Response, next: NextFunction) => {
      const claims = res.locals.claims as Cis2Claims;
      deps.limiter.take(bucket, claims.sub, `${bucket} by this user`).then(() => next(), next);
    },
    json: (req: Request, res: Response, next: NextFunction) => {
      const type = req.headers['content-type'];
      if (!type) {
        if (hasBody(req)) return next(new Problem(415, 'Unsupported media type', 'the Content-Type header is missing: send Content-Type: application/json', [{ field: 'header.content-type', message: 'required: application/json' }]));
        req.body = undefined;
        return next();
      }
      if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
        return next(new Problem(415, 'Unsupported media type', `Content-Type ${type.split(';')[0]} is not accepted here: send application/json`, [{ field: 'header.content-type', message: 'must be application/json' }]));
      }
      parseJson(req, res, next);
    },
  };
}
