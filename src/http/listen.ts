/**
 * The HTTP server around the app: time limits on headers and bodies (a client that stalls is cut off
 * instead of holding a socket and a slot), and problem+json for the errors Node's parser answers
 * itself (431 headers too large, 400 malformed, 408 timeout), which never reach express.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

export interface ServerLimits {
  /** All headers must arrive within this (ms). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (ms). */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

const TITLES: Record<number, string> = { 400: 'Invalid request', 408: 'Request timeout', 413: 'Payload too large', 431: 'Request header fields too large' };

function problemResponse(status: number, detail: string): string {
  const body = JSON.stringify({ type: `https://needtoknow.nhs.example/problems/${TITLES[status].toLowerCase().replace(/\s+/g, '-')}`, title: TITLES[status], status, detail });
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`;
}

/** Answers a request the parser refused, then closes the connection. */
function onClientError(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable || (err.code === 'ECONNRESET')) {
    socket.destroy();
    return;
  }
  const [status, detail] =
    err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'the request headers exceed 16 kB'] as const
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'the request did not arrive in time'] as const
        : [400, 'the request could not be parsed as HTTP'] as const;
  socket.end(problemResponse(status, detail));
}

export function createServer(app: Express, limits: ServerLimits = DEFAULT_LIMITS): http.Server {
  const server = http.createServer({ requestTimeout: limits.requestTimeoutMs, headersTimeout: limits.headersTimeoutMs }, app);
  server.on('clientError', onClientError);
  return server;
}
