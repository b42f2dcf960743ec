import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Config } from '@undertow/config';
import { PatternClock, Producer, createRedis } from '@undertow/queue';
import { createStore, openDatabase, type Database, type Store } from '@undertow/store';

export interface ResultsContext {
  config: Readonly<Config>;
  log: Logger;
  store: Store;
  producer: Pick<Producer, 'enqueuePatternIndex'>;
  patternClock: Pick<PatternClock, 'bump'>;
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
  return {
    config,
    log,
    store: createStore(db),
    producer,
    patternClock: new PatternClock(redis, config.redis.prefix),
    async checkReady() {
      const [redisOk, dbOk] = await Promise.all([
        redis.ping().then((r) => r === 'PONG', () => false),
        db.query('select 1').then(() => true, () => false),
      ]);
      return { redis: redisOk, database: dbOk };
    },
    async close() {
      await producer.close();
      if (!deps.redis) redis.disconnect();
      if (!deps.db) await db.close();
    },
  };
}
