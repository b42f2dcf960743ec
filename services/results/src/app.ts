import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createApiServer } from '@undertow/http';
import type { ResultsContext } from './context.js';
import { flagRoutes } from './routes/flags.js';
import { patternRoutes } from './routes/patterns.js';

/** The results API, built without listening so that tests can `inject`. */
export async function buildResultsApp(ctx: ResultsContext): Promise<FastifyInstance> {
  const app = await createApiServer({
    log: ctx.log as FastifyBaseLogger,
    bodyLimit: ctx.config.results.bodyLimit,
    docs: { title: 'Undertow results API', description: 'Flags, decisions and patterns.' },
    checkReady: () => ctx.checkReady(),
    coerceTypes: true,
  });
  await app.register(patternRoutes(ctx));
  await app.register(flagRoutes(ctx));
  return app;
}
