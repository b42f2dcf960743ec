import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { errorHandler, healthRoutes, registerDocs } from '@undertow/http';
import type { ResultsContext } from './context.js';
import { flagRoutes } from './routes/flags.js';
import { patternRoutes } from './routes/patterns.js';

/** The results API, built without listening so that tests can `inject`. */
export async function buildResultsApp(ctx: ResultsContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    bodyLimit: ctx.config.results.bodyLimit,
    disableRequestLogging: true,
    ajv: { customOptions: { allErrors: false, removeAdditional: false, coerceTypes: 'array' } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(errorHandler);
  await registerDocs(app, { title: 'Undertow results API', description: 'Flags, decisions and patterns.', version: '1' });
  await app.register(healthRoutes(() => ctx.checkReady()));
  await app.register(patternRoutes(ctx));
  await app.register(flagRoutes(ctx));
  return app;
}
