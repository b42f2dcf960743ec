import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Config } from '@undertow/config';
import { Producer, createRedis } from '@undertow/queue';
import { createStore, openDatabase, type Database, type Store } from '@undertow/store';

/** Everything the intake routes need, built in one place; tests pass their own parts. */
export interface IntakeContext {
  config: Readonly<Config>;
  log: Logger;
  producer: Pick<Producer, 'enqueuePosts' | 'enqueueEngagement' | 'scoreDepth' | 'wasSeen'>;
  store: Pick<Store, 'posts' | 'scores' | 'flags' | 'apiKeys'>;
  /** Shares per-key rate-limit counters between instances. */
  redis: Redis;
  /** Each dependency's health, for /readyz. */
  checkReady(): Promise<Record<string, boolean>>;
  close(): Promise<void>;
}

export interface IntakeDeps {
  redis?: Redis;
  db?: Database;
}

export async function createIntakeContext(config: Readonly<Config>, log: Logger, deps: IntakeDeps = {}): Promise<IntakeContext> {
  const redis = deps.redis ?? createRedis(config.redis.url);
  const db =
    deps.db ??
    (await openDatabase({ url: config.database.url ?? undefined, schema: config.database.schema ?? undefined, dataDir: `${config.dataDir}/pglite`, poolSize: config.database.poolSize }));
  const producer = new Producer(redis, config.redis.prefix);
  const store = createStore(db);
  return {
    config,
    log,
    producer,
    store,
    redis,
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
