import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Config } from '@undertow/config';
import { PatternClock, Producer, RescanFlows, createRedis } from '@undertow/queue';
import { createStore, openDatabase, type Database, type Store } from '@undertow/store';

export interface ResultsContext {
  config: Readonly<Config>;
  log: Logger;
  store: Store;
  /** Shares per-key rate-limit counters between instances. */
  redis: Redis;
  producer: Pick<Producer, 'enqueuePatternIndex'>;
  patternClock: Pick<PatternClock, 'bump'>;
  /** Queues rescans as flows for the workers. */
  rescanFlows: Pick<RescanFlows, 'launch'>;
  checkReady(): Promise<Record<string, boolean>>;
  close(): Promise<void>;
}

export interface ResultsDeps {
  redis?: Redis;
  db?: Database;
}

export async function createResultsContext(config: Readonly<Config>, log: Logger, deps: ResultsDeps = {}): Promise<ResultsContext> {
  const redis = deps.redis ?? createRedis(config.redis.url);
  const db =
    deps.db ??
    (await openDatabase({ url: config.database.url ?? undefined, schema: config.database.schema ?? undefined, dataDir: `${config.dataDir}/pglite`, poolSize: config.database.poolSize }));
  const producer = new Producer(redis, config.redis.prefix);
  const rescanFlows = new RescanFlows(redis, config.redis.prefix);
  return {
    config,
    log,
    store: createStore(db),
    redis,
    producer,
    patternClock: new PatternClock(redis, config.redis.prefix),
    rescanFlows,
    async checkReady() {
      const [redisOk, dbOk] = await Promise.all([
        redis.ping().then((r) => r === 'PONG', () => false),
        db.query('select 1').then(() => true, () => false),
      ]);
      return { redis: redisOk, database: dbOk };
    },
    async close() {
      await producer.close();
      await rescanFlows.close();
      if (!deps.redis) redis.disconnect();
      if (!deps.db) await db.close();
    },
  };
}
