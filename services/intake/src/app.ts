import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createApiServer } from '@undertow/http';
import { QueueStats } from '@undertow/queue';
import { BackPressure } from './back-pressure.js';
import type { IntakeContext } from './context.js';
import { countSubmittedPosts, intakeMetrics } from './intake-metrics.js';
import { engagementRoutes } from './routes/engagement.js';
import { postRoutes } from './routes/posts.js';

/** The intake API, built without listening so that tests can `inject`. */
export async function buildIntakeApp(ctx: IntakeContext): Promise<FastifyInstance> {
  const queueStats = new QueueStats(ctx.redis, ctx.config.redis.prefix);
  const metrics = intakeMetrics(queueStats);
  const app = await createApiServer({
    log: ctx.log as FastifyBaseLogger,
    bodyLimit: ctx.config.intake.bodyLimit,
    docs: { title: 'Undertow intake API', description: 'Submit posts and engagement updates.' },
    checkReady: () => ctx.checkReady(),
    auth: { keys: ctx.store.apiKeys, rateLimitPerMinute: ctx.config.auth.rateLimitPerMinute, redis: ctx.redis, redisPrefix: ctx.config.redis.prefix },
    metrics,
  });
  app.addHook('onClose', async () => queueStats.close());
  countSubmittedPosts(app, metrics);
  const backPressure = new BackPressure(() => ctx.producer.scoreDepth(), ctx.config.intake.maxQueueDepth);
  await app.register(postRoutes(ctx, backPressure));
  await app.register(engagementRoutes(ctx));
  return app;
}
