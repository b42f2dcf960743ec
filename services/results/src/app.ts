import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { ServiceMetrics, createApiServer } from '@undertow/http';
import { QueueStats } from '@undertow/queue';
import { registerConsole } from './console.js';
import type { ResultsContext } from './context.js';
import { flagRoutes } from './routes/flags.js';
import { storyRoutes } from './routes/stories.js';
import { keyRoutes } from './routes/keys.js';
import { patternRoutes } from './routes/patterns.js';
import { rescanRoutes } from './routes/rescans.js';
import { reviewRoutes } from './routes/review.js';
import { statsRoutes } from './routes/stats.js';

/** The results API, built without listening so that tests can `inject`. */
export async function buildResultsApp(ctx: ResultsContext): Promise<FastifyInstance> {
  const queueStats = new QueueStats(ctx.redis, ctx.config.redis.prefix);
  const app = await createApiServer({
    log: ctx.log as FastifyBaseLogger,
    bodyLimit: ctx.config.results.bodyLimit,
    docs: { title: 'Undertow results API', description: 'Flags, reviews, decisions, statistics, patterns and API keys.' },
    checkReady: () => ctx.checkReady(),
    coerceTypes: true,
    auth: { keys: ctx.store.apiKeys, rateLimitPerMinute: ctx.config.auth.rateLimitPerMinute, redis: ctx.redis, redisPrefix: ctx.config.redis.prefix },
    metrics: new ServiceMetrics({ service: 'results', queueCounts: () => queueStats.counts() }),
  });
  app.addHook('onClose', async () => queueStats.close());
  await app.register(patternRoutes(ctx));
  await app.register(rescanRoutes(ctx));
  await app.register(flagRoutes(ctx));
  await app.register(storyRoutes(ctx));
  await app.register(reviewRoutes(ctx));
  await app.register(statsRoutes(ctx));
  await app.register(keyRoutes(ctx));
  await registerConsole(app, ctx.config.console.dir);
  return app;
}
