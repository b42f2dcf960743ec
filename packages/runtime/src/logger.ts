import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Where a secret can sit in what a process logs: API keys in request headers (as Fastify and
 * undici name them), passwords and key secrets in any object logged one level down. The
 * services never log these on purpose; this is the net under a log line someone adds later.
 */
export const REDACTED = [
  'req.headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  'password',
  'secret',
  '*.password',
  '*.secret',
  '*.apiKey',
];

/** The one way a process of the product makes its logger: JSON lines (on stdout unless told), secrets censored. */
export function createLogger(name: string, level: string, destination?: DestinationStream): Logger {
  const options = { name, level, redact: { paths: REDACTED, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
