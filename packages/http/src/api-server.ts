import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { registerDocs } from './docs.js';
import { errorHandler } from './error-handler.js';
import { healthRoutes } from './health-routes.js';

export interface ApiServerOptions {
  log: FastifyBaseLogger;
  bodyLimit: number;
  docs: { title: string; description: string };
  checkReady(): Promise<Record<string, boolean>>;
  /** Coerce query-string values to the schema's types (numbers, booleans). Default false. */
  coerceTypes?: boolean;
}

/** A Fastify instance with what every Undertow API shares: errors, OpenAPI docs, health. */
export async function createApiServer(options: ApiServerOptions) {
  const app = Fastify({
    loggerInstance: options.log,
    bodyLimit: options.bodyLimit,
    // Per-request logs would dominate at thousands of posts a second; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { allErrors: false, removeAdditional: false, coerceTypes: options.coerceTypes ? 'array' : false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(errorHandler);
  await registerDocs(app, { ...options.docs, version: '1' });
  await app.register(healthRoutes(options.checkReady));
  return app;
}
