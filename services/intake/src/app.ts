import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { errorHandler, healthRoutes, registerDocs } from '@undertow/http';
import { BackPressure } from './back-pressure.js';
import type { IntakeContext } from './context.js';
import { engagementRoutes } from './routes/engagement.js';
import { postRoutes } from './routes/posts.js';

/** The intake API, built without listening so that tests can `inject`. */
export async function buildIntakeApp(ctx: IntakeContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    bodyLimit: ctx.config.intake.bodyLimit,
    disableRequestLogging: true,
    ajv: { customOptions: { allErrors: false, removeAdditional: false, coerceTypes: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(errorHandler);
  await registerDocs(app, { title: 'Undertow intake API', description: 'Submit posts and engagement updates.', version: '1' });
  const backPressure = new BackPressure(() => ctx.producer.scoreDepth(), ctx.config.intake.maxQueueDepth);
  await app.register(healthRoutes(() => ctx.checkReady()));
  await app.register(postRoutes(ctx, backPressure));
  await app.register(engagementRoutes(ctx));
  return app;
}
