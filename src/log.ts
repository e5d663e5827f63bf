/**
 * The logger. Redaction is the last line of defence: code never logs NHS numbers, names,
 * postcodes or tokens on purpose, and these paths make sure they are not written by accident.
 */
import pino from 'pino';

export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  'res.body',
  // At the top of a log line and one level down (pino's `*` matches one level only).
  ...['nhsNumber', 'child', 'familyName', 'postcode', 'token', 'authorization'].flatMap((k) => [k, `*.${k}`]),
];

/** The service's logger; `destination` is standard output unless given (tests pass a sink). */
export function createLogger(level = 'info', destination?: pino.DestinationStream): pino.Logger {
  const options = { level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { service: 'needtoknow' } };
  return destination ? pino(options, destination) : pino(options);
}

/** Replaces anything shaped like an NHS number in a URL path or query with a placeholder. */
export function scrubUrl(url: string): string {
  return url.replace(/\d{10}/g, '[nhs]').replace(/(familyName|postcode|child)=[^&]*/gi, '$1=[redacted]');
}
