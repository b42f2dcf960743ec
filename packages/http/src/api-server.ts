import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LIMITS, isDateTime } from '@undertow/core';
import { auth, meRoute, type AuthOptions } from './auth.js';
import { registerDocs } from './docs.js';
import { errorHandler } from './error-handler.js';
import { healthRoutes } from './health-routes.js';
import { inputGuard } from './input-guard.js';
import { ServiceMetrics, metricsRoute } from './metrics.js';

export interface ApiServerOptions {
  log: FastifyBaseLogger;
  bodyLimit: number;
  docs: { title: string; description: string };
  checkReady(): Promise<Record<string, boolean>>;
  /** Coerce query-string values to the schema's types (numbers, booleans). Default false. */
  coerceTypes?: boolean;
  /** API keys, roles and per-key rate limits; every route under `/v1/` says who may call it. */
  auth: AuthOptions;
  /** The registry served at `/metrics`; pass one to add the service's own series. Default: process and HTTP metrics only. */
  metrics?: ServiceMetrics;
}

/** A Fastify instance with what every Undertow API shares: errors, API keys, OpenAPI docs, health. */
export async function createApiServer(options: ApiServerOptions) {
  const app = Fastify({
    loggerInstance: options.log,
    bodyLimit: options.bodyLimit,
    // A 256-character id in a path, every character percent-encoded as three UTF-8 bytes;
    // the router's default (100) answered 414 to status look-ups of posts intake accepted.
    routerOptions: { maxParamLength: LIMITS.idChars * 9 },
    // Per-request logs would dominate at thousands of posts a second; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: {
      customOptions: { allErrors: false, removeAdditional: false, coerceTypes: options.coerceTypes ? 'array' : false },
      // One meaning of date-time in both APIs: ajv-formats takes year 0, which PostgreSQL refuses.
      onCreate: (ajv) => ajv.addFormat('date-time', isDateTime),
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(errorHandler);
  // Early, so that its timing hook sees every route.
  await app.register(metricsRoute(options.metrics ?? new ServiceMetrics({ service: options.docs.title })));
  await app.register(inputGuard);
  // Before any route: it settles each route's access (and its OpenAPI security) as it is added.
  await app.register(auth, options.auth);
  await registerDocs(app, { ...options.docs, version: '1' });
  await app.register(healthRoutes(options.checkReady));
  await app.register(meRoute(options.auth.rateLimitPerMinute));
  return app;
}
