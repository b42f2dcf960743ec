import type { TestProject } from 'vitest/node';
import { startPrivateRedis, type PrivateRedis } from './redis-server.js';

let redis: PrivateRedis | undefined;

/** One private redis-server for the whole run; each test file uses its own key prefix. */
export async function setup(project: TestProject): Promise<void> {
  redis = await startPrivateRedis();
  project.provide('redisUrl', redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
