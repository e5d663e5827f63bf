/**
 * The express application: security headers, request ids, redacted request logs, JSON bodies with
 * a size limit, the routes (each declared once for express and OpenAPI), and one error handler that
 * turns everything into RFC 9457 problem+json.
 */
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { notFound, toProblem } from './problem.ts';
import { routeGuards } from './guards.ts';
import { mountRoutes, registerOpenApi, type AnyRoute } from './route.ts';
import { opsRoutes } from './ops.ts';
import { scrubUrl } from '../log.ts';
import type { Services } from '../services.ts';

const tracer = trace.getTracer('needtoknow');
const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

const OPENAPI_TAGS = [
  { name: 'authorise', description: 'Authorise before read: one audited decision per section' },
  { name: 'break-glass', description: 'Emergency access, declared by the user and reviewed by IG' },
  { name: 'grants', description: 'Time-limited grants by safeguarding leads' },
  { name: 'relationships', description: 'Relationships a clinician claims for themselves' },
  { name: 'feeds', description: 'Facts from integration feeds: organisations, teams, users, children, relationships' },
  { name: 'audit', description: 'The tamper-evident audit trail, its proofs and exports' },
  { name: 'ig', description: 'Information governance: explain, exposure, alerts' },
  { name: 'monitoring', description: 'Privacy monitoring cases' },
  { name: 'alerts', description: 'Alerts and their delivery' },
  { name: 'policy', description: 'The policy in force' },
  { name: 'operations', description: 'Health, readiness, metrics and this document' },
];

export function buildOpenApi(routes: AnyRoute[]): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registerOpenApi(registry, routes);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'needtoknow',
      version: '1',
      description: 'Authorise-before-read and a provable audit trail for the shared child health record.',
    },
    // The public origin is not known when the document is built: a relative server means "this service",
    // so try-it in /docs and generated clients given a base URL both work.
    servers: [{ url: '/', description: 'This service (the origin that served this document)' }],
    tags: OPENAPI_TAGS,
  }) as unknown as Record<string, unknown>;
}

/** The document /openapi.json serves, built without a running service (clients/typescript generates from it). */
export function openApiDocument(featureRoutes: AnyRoute[]): Record<string, unknown> {
  return buildOpenApi([...featureRoutes, ...opsRoutes(() => ({}))]);
}

/** `pages`: server-rendered pages mounted beside the API (the console at /console), with their own error pages. */
export function createApp(services: Services, featureRoutes: AnyRoute[], pages?: { path: string; router: express.RequestHandler }): { app: express.Express; routes: AnyRoute[] } {
  let openapi: Record<string, unknown> | undefined;
  const routes: AnyRoute[] = [...featureRoutes, ...opsRoutes((): unknown => (openapi ??= buildOpenApi(routes)))];

  const app = express();
  app.disable('x-powered-by');
  // Answers are decisions and audit records about a child, never to be kept by a cache, so no ETag
  // (a hash of every body for nothing) and Cache-Control: no-store on everything.
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(helmet());
  // One middleware for the request id, the latency histogram, the span and the request log line. It replaced
  // pino-http, which built a child logger for every request even with request logs off (measured in
  // docs/performance.md): here the line is written only when the level is enabled.
  const logRequests = services.log.isLevelEnabled('info');
  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.setHeader('Cache-Control', 'no-store');
    const started = process.hrtime.bigint();
    tracer.startActiveSpan(`HTTP ${req.method}`, (span) => {
      res.on('finish', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const route = (req.route?.path as string | undefined) ?? 'unmatched';
        services.metrics.httpSeconds.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        if (logRequests && req.url !== '/healthz' && req.url !== '/metrics') {
          services.log.info({
            requestId,
            req: { method: req.method, url: scrubUrl(req.originalUrl) },
            res: { statusCode: res.statusCode },
            responseTime: Math.round(seconds * 1e4) / 10,
          }, 'request completed');
        }
      });
      // next() runs inside the active span.
      next();
    });
  });
  const router = express.Router();
  // Token first, then admission, rate limits and the body (see guards.ts).
  mountRoutes(router, routes, services, routeGuards({
    authenticate: services.authenticate,
    maxInFlight: services.config.maxInFlight,
    bodyLimit: services.config.bodyLimit,
    limiter: services.limiter,
    onShed: () => services.metrics.shed.inc(),
    onInFlight: (n) => services.metrics.inFlight.set(n),
  }));
  app.use(router);
  // HTML pages, not API: mounted as one handler, outside the routes /openapi.json describes (the
  // contract lists GET /console; tests/http/edge.test.ts walks the API routes only).
  if (pages) app.use(pages.path, (req, res, next) => pages.router(req, res, next));

  app.use((_req: Request, _res: Response, next: NextFunction) => next(notFound('no such endpoint')));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const problem = toProblem(err, services.config.bodyLimit);
    if (problem.status === 503) services.metrics.auditFailures.inc();
    if (problem.status >= 500) {
      services.log.error({ requestId: res.locals.requestId, err: err instanceof Error ? { name: err.name, message: err.message, cause: String((err as Error).cause ?? '') } : String(err) }, problem.title);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [k, v] of Object.entries(problem.headers)) res.setHeader(k, v);
    // A refused request whose body is still arriving is not read: close the connection after answering,
    // so a stalled or oversized body holds nothing.
    if (!req.complete) res.setHeader('Connection', 'close');
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem.body(req.originalUrl ? scrubUrl(req.originalUrl) : undefined)));
  });
  return { app, routes };
}
