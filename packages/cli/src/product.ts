import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from '@undertow/config';
import type { EmbeddingProvider } from '@undertow/embed';
import { buildIntakeApp, createIntakeContext } from '@undertow/intake';
import { createRedis } from '@undertow/queue';
import { buildResultsApp, createResultsContext, ensureAdminKey } from '@undertow/results';
import { openDatabase } from '@undertow/store';
import { startWorker } from '@undertow/worker';
import { ensureRedis } from './local-redis.js';

export interface RunningProduct {
  intakeUrl: string;
  resultsUrl: string;
  model: string;
  database: 'pg' | 'pglite';
  redisUrl: string;
  /** The admin key made on this start because none existed, to print once; null otherwise. */
  newAdminKey: string | null;
  /** Stops intake first (no new posts), then drains the worker, then closes storage. */
  close(): Promise<void>;
}

/** Intake, worker and results in one process, sharing one database and one Redis. */
export async function startProduct(config: Readonly<Config>, log: Logger, opts: { embedder?: EmbeddingProvider | null } = {}): Promise<RunningProduct> {
  const redisHandle = await ensureRedis(config, log);
  const redis = createRedis(redisHandle.url);
  const db = await openDatabase({
    url: config.database.url ?? undefined,
    schema: config.database.schema ?? undefined,
    dataDir: `${config.dataDir}/pglite`,
    poolSize: config.database.poolSize,
  });
  const worker = await startWorker(config, log.child({ service: 'worker' }), { redis, db, ...(opts.embedder !== undefined ? { embedder: opts.embedder } : {}) });
  const intakeCtx = await createIntakeContext(config, log.child({ service: 'intake' }), { redis, db });
  const resultsCtx = await createResultsContext(config, log.child({ service: 'results' }), { redis, db });
  const newAdminKey = await ensureAdminKey(resultsCtx.store.apiKeys, config.auth.adminKey);
  const intake = await buildIntakeApp(intakeCtx);
  const results = await buildResultsApp(resultsCtx);
  const intakeUrl = await listen(intake, config.intake);
  const resultsUrl = await listen(results, config.results);

  return {
    intakeUrl,
    resultsUrl,
    model: worker.model,
    database: db.driver,
    redisUrl: redisHandle.url,
    newAdminKey,
    async close() {
      await intake.close();
      await results.close();
      await worker.close();
      await intakeCtx.close();
      await resultsCtx.close();
      await db.close();
      redis.disconnect();
      await redisHandle.stop();
    },
  };
}

async function listen(app: FastifyInstance, at: { host: string; port: number }): Promise<string> {
  await app.listen({ host: at.host, port: at.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : at.port;
  return `http://${at.host === '0.0.0.0' ? '127.0.0.1' : at.host}:${port}`;
}
