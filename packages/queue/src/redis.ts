import { Redis, type RedisOptions } from 'ioredis';

/**
 * Opens an ioredis connection from `redis://`, `rediss://` or `unix:///path` URLs.
 * `maxRetriesPerRequest: null` is what BullMQ requires of the connections its workers block on.
 */
export function createRedis(url: string, overrides: RedisOptions = {}): Redis {
  const base: RedisOptions = { maxRetriesPerRequest: null, ...overrides };
  if (url.startsWith('unix://')) return new Redis({ ...base, path: url.slice('unix://'.length) });
  return new Redis(url, base);
}

/** Resolves when the connection answers PING, rejects after `timeoutMs`. */
export async function pingRedis(url: string, timeoutMs = 1500): Promise<boolean> {
  const redis = createRedis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
