/**
 * Declaring a route once gives both the express handler (with validation, authentication and the
 * capability check) and its OpenAPI description, so /openapi.json cannot miss a route.
 */
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { ZodType, z as zod } from 'zod';
import { z } from './zod.ts';
import { badRequest, forbidden, type FieldError } from './problem.ts';
import type { Services } from '../services.ts';
import type { Cis2Claims } from '../identity/claims.ts';
import type { Principal } from '../identity/principal.ts';
import { resolvePrincipalFromStore } from '../identity/resolve.ts';
import type { RateBucket, RouteGuards } from './guards.ts';

/** Routes where abuse is cheap draw on a per-principal rate limit (see guards.ts). */
const RATE_BUCKETS: Record<string, RateBucket> = {
  'get /v1/audit/export': 'exports',
  'post /v1/relationships:import': 'imports',
  'post /v1/authorise:explain': 'explain',
};
/** Never refused by the admission limit: health checks, and a clinician declaring an emergency. */
const ALWAYS_ADMITTED = new Set(['get /healthz', 'get /readyz', 'get /metrics', 'post /v1/break-glass']);
/** The most field errors one answer lists (a body with 60,000 unknown keys gets a short answer). */
const MAX_FIELD_ERRORS = 20;
const MAX_MESSAGE = 300;

export type Auth = 'public' | 'token' | { capability: string };

export interface HandlerContext<B, Q, P> {
  req: Request;
  res: Response;
  body: B;
  query: Q;
  params: P;
  /** Present unless auth is 'public'. */
  claims: Cis2Claims;
  /** Present when auth names a capability. */
  principal: Principal;
  services: Services;
  requestId: string;
}

/** A handler returns a reply, or undefined when it wrote the response itself (streams). */
export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteDef<B extends ZodType, Q extends ZodType, P extends ZodType> {
  /** Stable camelCase name of the operation (OpenAPI operationId): generated clients call it by this name. */
  operationId: string;
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI-style path: /v1/children/{nhsNumber} */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: Auth;
  body?: B;
  /** Named examples of the request body, shown in /docs and offered by its try-it. */
  examples?: Record<string, { summary: string; value: unknown }>;
  query?: Q;
  params?: P;
  responses: Record<number, { description: string; schema?: ZodType; contentType?: string }>;
  handler: (ctx: HandlerContext<zod.infer<B>, zod.infer<Q>, zod.infer<P>>) => Promise<Reply | undefined>;
}

// Erased form kept in the route list.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteDef<any, any, any>;

export function defineRoute<B extends ZodType = ZodType, Q extends ZodType = ZodType, P extends ZodType = ZodType>(
  def: RouteDef<B, Q, P>,
): AnyRoute {
  return def as AnyRoute;
}

function fieldErrors(error: zod.ZodError, where: string): FieldError[] {
  const errors = error.issues.slice(0, MAX_FIELD_ERRORS).map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = [...issue.path.map(String), ...(keys.length === 1 ? [keys[0]] : [])].join('.');
    const message = keys.length > 1
      ? `unrecognized keys: ${keys.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}${keys.length > 5 ? ` and ${keys.length - 5} more` : ''}`
      : issue.message;
    return { field: (path ? `${where}.${path}` : where).slice(0, 200), message: message.slice(0, MAX_MESSAGE) };
  });
  if (error.issues.length > MAX_FIELD_ERRORS) errors.push({ field: where, message: `and ${error.issues.length - MAX_FIELD_ERRORS} more errors` });
  return errors;
}

function parse<T>(schema: ZodType | undefined, value: unknown, where: string): T {
  if (!schema) return value as T;
  const result = schema.safeParse(value);
  if (!result.success) {
    const errors = fieldErrors(result.error, where);
    throw badRequest(errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  }
  return result.data as T;
}

/** The problem+json body for one item of a batch that is not valid (put in the item's slot of the answer). */
export function itemProblem(errors: FieldError[]): Record<string, unknown> {
  return badRequest(errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors).body();
}

/** One item of a batch checked on its own: its value, or the field errors to answer in its slot. */
export function checkItem<T>(schema: ZodType<T>, value: unknown, where: string): { ok: true; value: T } | { ok: false; errors: FieldError[] } {
  const result = schema.safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false, errors: fieldErrors(result.error, where) };
}

/** Express path syntax: {param} → :param; literal colons (e.g. /v1/authorise:batch) escaped. */
export function expressPath(openapiPath: string): string {
  return openapiPath.replace(/:/g, '\\:').replace(/\{(\w+)\}/g, ':$1');
}

export function mountRoutes(router: Router, routes: AnyRoute[], services: Services, guards: RouteGuards): void {
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    const before: RequestHandler[] = [];
    if (route.auth !== 'public') before.push(guards.authenticate);
    before.push(guards.admit(ALWAYS_ADMITTED.has(key)));
    if (RATE_BUCKETS[key]) before.push(guards.limit(RATE_BUCKETS[key]));
    if (route.body) before.push(guards.json);
    router[route.method](expressPath(route.path), ...before, async (req: Request, res: Response, _next: NextFunction) => {
      const requestId = res.locals.requestId as string;
      const claims = res.locals.claims as Cis2Claims;
      let principal = undefined as unknown as Principal;
      if (typeof route.auth === 'object') {
        principal = await resolvePrincipalFromStore(services, claims);
        if (!services.policy.current.capability(route.auth.capability, principal.role)) throw forbidden();
      }
      const params = parse(route.params, req.params, 'path');
      const query = parse(route.query, req.query, 'query');
      const body = route.body ? parse(route.body, req.body ?? {}, 'body') : undefined;
      const reply = await route.handler({ req, res, body, query, params, claims, principal, services, requestId });
      if (reply === undefined) return;
      for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
      res.status(reply.status ?? 200);
      if (reply.body === undefined) res.end();
      else res.json(reply.body);
    });
  }
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export function registerOpenApi(registry: OpenAPIRegistry, routes: AnyRoute[]): void {
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  for (const route of routes) {
    const responses: RouteConfig['responses'] = {};
    for (const [status, r] of Object.entries(route.responses)) {
      responses[status] = r.schema
        ? { description: r.description, content: { [r.contentType ?? 'application/json']: { schema: r.schema } } }
        : { description: r.description };
    }
    for (const [status, description] of Object.entries(problemsOf(route))) {
      // A route's own 404/409 line gives the words (problemsOf took them); the body is a problem unless it declared one.
      if (!route.responses[Number(status)]?.schema) responses[status] = { description, content: { 'application/problem+json': { schema: problemSchema } } };
    }
    registry.registerPath({
      operationId: route.operationId,
      method: route.method,
      path: route.path,
      summary: route.summary,
      description: route.description,
      tags: route.tags,
      security: route.auth === 'public' ? [] : [{ bearer: [] }],
      request: {
        ...(route.params ? { params: route.params } : {}),
        ...(route.query ? { query: route.query } : {}),
        ...(route.body ? { body: { required: true, content: { 'application/json': { schema: route.body, ...(route.examples ? { examples: route.examples } : {}) } } } } : {}),
      },
      responses,
    });
  }
}

/** Every error answer an operation can give, each a problem+json body. */
function problemsOf(route: AnyRoute): Record<string, string> {
  const problems: Record<string, string> = { '400': 'Invalid request (problem+json with the fields at fault)' };
  for (const [status, r] of Object.entries(route.responses)) if (Number(status) >= 400) problems[status] = r.description;
  const admittedAlways = ALWAYS_ADMITTED.has(`${route.method} ${route.path}`);
  if (route.auth === 'public') return admittedAlways ? problems : { ...problems, '429': 'The service is at capacity; retry after Retry-After seconds' };
  Object.assign(problems, {
    '401': 'Missing, invalid or expired token (with WWW-Authenticate: Bearer)',
    '403': 'The caller\'s role may not use this endpoint',
  });
  if (route.body) {
    problems['413'] = 'The body is larger than the configured limit';
    problems['415'] = 'The body is not sent as Content-Type: application/json';
  }
  if (!admittedAlways || RATE_BUCKETS[`${route.method} ${route.path}`]) problems['429'] = 'Rate limited, or the service is at capacity; retry after Retry-After seconds';
  problems['503'] = 'The store or the audit trail is unavailable; the request had no effect';
  return problems;
}
