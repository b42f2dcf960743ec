import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, type QueueName } from './queues.js';

/** A BullMQ `Queue` for each of Undertow's queues, on one shared connection. */
export function openQueues(redis: Redis, prefix: string): Record<QueueName, Queue> {
  const open = (name: QueueName) => new Queue(name, { connection: redis, prefix, skipVersionCheck: true });
  return { score: open(QUEUES.score), engagement: open(QUEUES.engagement), patterns: open(QUEUES.patterns), rescans: open(QUEUES.rescans) };
}
