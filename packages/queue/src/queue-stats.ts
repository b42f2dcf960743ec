import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { openQueues } from './open-queues.js';
import type { QueueName } from './queues.js';

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed'] as const;

/** Reads how many jobs each queue holds in each state; for metrics and dashboards. */
export class QueueStats {
  private readonly queues: Record<QueueName, Queue>;

  constructor(redis: Redis, prefix: string) {
    this.queues = openQueues(redis, prefix);
  }

  /** Jobs per queue and state. Completed jobs are left out: they are removed as they finish. */
  async counts(): Promise<Record<QueueName, Record<string, number>>> {
    const entries = await Promise.all(
      (Object.keys(this.queues) as QueueName[]).map(async (name) => [name, await this.queues[name].getJobCounts(...STATES)] as const),
    );
    return Object.fromEntries(entries) as Record<QueueName, Record<string, number>>;
  }

  /** Closes the queues; a shared connection stays open. */
  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((queue) => queue.close()));
  }
}
