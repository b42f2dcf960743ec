import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { openQueues } from './open-queues.js';
import type { QueueName } from './queues.js';

/** Failed jobs of one queue that failed for the same reason. */
export interface FailureGroup {
  reason: string;
  jobs: number;
  /** The id of one of them, to look at. */
  exampleJobId: string;
}

export interface QueueFailures {
  queue: QueueName;
  failed: number;
  /** Reasons of the most recent failures (up to the sample size), most frequent first. */
  reasons: FailureGroup[];
}

export interface RetryOutcome {
  queue: QueueName;
  /** Failed jobs moved back to waiting, each with its attempts counted from zero again. */
  retried: number;
  /** Jobs that left the failed set before their turn (retried or removed elsewhere). */
  skipped: number;
}

const PAGE = 500;

/**
 * The jobs that ran out of attempts, or whose workers died twice while holding them (BullMQ's
 * `maxStalledCount`): they stay in each queue's failed set, never dropped, until an operator
 * has read why and put them back. A post whose job is retried is scored exactly once, as ever:
 * scoring is idempotent.
 */
export class FailedJobs {
  private readonly queues: Record<QueueName, Queue>;

  constructor(redis: Redis, prefix: string) {
    this.queues = openQueues(redis, prefix);
  }

  /** How many jobs failed in each queue and why, from the `sample` most recent failures. */
  async summary(sample = 1_000): Promise<QueueFailures[]> {
    return Promise.all(
      (Object.keys(this.queues) as QueueName[]).map(async (queue) => {
        const failed = await this.queues[queue].getFailedCount();
        const jobs = failed === 0 ? [] : await this.queues[queue].getFailed(0, sample - 1);
        return { queue, failed, reasons: groupByReason(jobs) };
      }),
    );
  }

  /** Moves every job failed in `queue` now back to waiting, with fresh attempts. */
  async retry(queue: QueueName): Promise<RetryOutcome> {
    const target = this.queues[queue];
    // Snapshot first: a retried job that fails again at once must not be retried twice here.
    const jobs = new Map<string, Job>();
    const total = await target.getFailedCount();
    for (let start = 0; start < total; start += PAGE) {
      for (const job of await target.getFailed(start, start + PAGE - 1)) jobs.set(String(job.id), job);
    }
    let retried = 0;
    let skipped = 0;
    for (const job of jobs.values()) {
      try {
        // BullMQ's script checks, atomically, that the job is still failed.
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        retried++;
      } catch (error) {
        if (!/is not in the failed state|Missing key for job/.test((error as Error).message)) throw error;
        skipped++;
      }
    }
    return { queue, retried, skipped };
  }

  /** Closes the queues; a shared connection stays open. */
  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((queue) => queue.close()));
  }
}

function groupByReason(jobs: readonly Job[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const job of jobs) {
    const reason = (job.failedReason || 'no reason recorded').slice(0, 300);
    const group = groups.get(reason);
    if (group) group.jobs++;
    else groups.set(reason, { reason, jobs: 1, exampleJobId: String(job.id) });
  }
  return [...groups.values()].sort((a, b) => b.jobs - a.jobs);
}
