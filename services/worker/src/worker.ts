import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import type { Config } from '@undertow/config';
import { EmbeddingCache, type EmbeddingProvider } from '@undertow/embed';
import { PatternClock, QueueStats, RescanFlows, createRedis, runWorkers } from '@undertow/queue';
import { createStore, openDatabase, type Database } from '@undertow/store';
import { loadEmbedder } from './embedder.js';
import { WorkerMetrics, serveMetrics } from './metrics.js';
import { applyEngagementProcessor } from './processors/apply-engagement.js';
import { indexPatternProcessor, passageOptionsFor } from './processors/index-pattern.js';
import { rescanProcessor } from './processors/rescan.js';
import { rescanChunkProcessor } from './processors/rescan-chunk.js';
import { AutomaticRescans } from './rescans/automatic-rescans.js';
import { RescanIndexCache } from './rescans/rescan-index.js';
import { scorePostProcessor } from './processors/score-post.js';
import { Embeddings } from './scoring/embeddings.js';
import { PatternIndexCache } from './scoring/pattern-index-cache.js';
import { StoryReevaluator } from './scoring/reevaluate-stories.js';
import { StoryIndex } from './stories/story-index.js';
import { StoryStage } from './stories/story-stage.js';

export interface WorkerDeps {
  redis?: Redis;
  db?: Database;
  /** A loaded model, or null for none; by default the one the config names is loaded. */
  embedder?: EmbeddingProvider | null;
}

export interface RunningWorker {
  workers: Worker[];
  model: string;
  /** Where Prometheus `/metrics` is served; null when the port was taken. */
  metricsUrl: string | null;
  /** Finishes the jobs in hand, then closes connections; queued jobs stay for the next worker. */
  close(): Promise<void>;
}

export async function startWorker(config: Readonly<Config>, log: Logger, deps: WorkerDeps = {}): Promise<RunningWorker> {
  const redis = deps.redis ?? createRedis(config.redis.url);
  const db =
    deps.db ??
    (await openDatabase({ url: config.database.url ?? undefined, schema: config.database.schema ?? undefined, dataDir: `${config.dataDir}/pglite`, poolSize: config.database.poolSize }));
  const store = createStore(db);
  const provider = deps.embedder === undefined ? await loadEmbedder(config.model, log) : deps.embedder;
  const embeddings = new Embeddings({ provider, cache: new EmbeddingCache({ maxEntries: 50_000 }), repository: store.embeddings });
  const clock = new PatternClock(redis, config.redis.prefix);
  const flows = new RescanFlows(redis, config.redis.prefix);
  const automaticRescans = new AutomaticRescans({ store, flows, log }, { recentDays: config.rescan.recentDays, chunkSize: config.rescan.chunkSize });
  const rescanIndexes = new RescanIndexCache({ store, model: provider?.modelId ?? null });
  const patterns = new PatternIndexCache({ store, clock, model: provider?.modelId ?? null });
  const day = 86_400_000;
  const storyIndex = new StoryIndex(redis, config.redis.prefix, {
    windowMs: config.stories.windowDays * day,
    minJaccard: config.stories.minJaccard,
    bands: 32,
    rows: 2,
  });
  const stories = new StoryStage({ index: storyIndex, store, lookbackMs: config.stories.lookbackDays * day });
  const reevaluator = new StoryReevaluator({ store, stories, patterns, log });
  const queueStats = new QueueStats(redis, config.redis.prefix);
  const metrics = new WorkerMetrics({ queueCounts: () => queueStats.counts(), embeddings });

  const workers = runWorkers({
    connection: redis,
    prefix: config.redis.prefix,
    concurrency: { score: config.worker.concurrency, engagement: 4, patterns: 1, rescans: config.rescan.concurrency },
    lockDuration: config.worker.lockMs,
    processors: {
      'score-post': scorePostProcessor({ store, embeddings, patterns, stories, reevaluator, log, metrics }, { size: config.worker.batchSize, waitMs: config.worker.batchWaitMs }),
      'apply-engagement': applyEngagementProcessor({ store, reevaluator }),
      'index-pattern': indexPatternProcessor({ store, embeddings, clock, rescans: automaticRescans, passages: passageOptionsFor(provider?.maxTokens), log }),
      rescan: rescanProcessor({ store, log }),
      'rescan-chunk': rescanChunkProcessor({ store, embeddings, indexes: rescanIndexes, log }),
    },
  });
  for (const worker of workers) {
    worker.on('failed', (job, error) => log.warn({ queue: worker.name, jobId: job?.id, attempt: job?.attemptsMade, err: error }, 'job failed'));
    worker.on('error', (error) => log.error({ queue: worker.name, err: error }, 'worker error'));
  }
  metrics.watch(workers);
  const metricsServer = await serveMetrics(metrics, config.worker.metricsPort, config.worker.metricsHost, log);
  log.info({ model: embeddings.model, concurrency: config.worker.concurrency, batchSize: config.worker.batchSize }, 'worker started');

  return {
    workers,
    model: embeddings.model,
    metricsUrl: metricsServer?.url ?? null,
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await metricsServer?.close();
      await queueStats.close();
      await flows.close();
      await provider?.close();
      if (!deps.redis) redis.disconnect();
      if (!deps.db) await db.close();
    },
  };
}
