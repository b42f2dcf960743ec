import { parseArgs } from 'node:util';
import type { Config } from '@undertow/config';
import { FailedJobs, QUEUES, createRedis, type QueueFailures, type QueueName } from '@undertow/queue';
import { findRunningRedis } from '../local-redis.js';
import { UsageError } from './keys.js';

const QUEUE_NAMES = Object.keys(QUEUES) as QueueName[];

export const JOBS_USAGE = `usage: undertow jobs [failed|retry]

  undertow jobs failed
      how many jobs failed in each queue (${QUEUE_NAMES.join(', ')}) and why
  undertow jobs retry <${QUEUE_NAMES.join('|')}|all>
      puts the failed jobs of a queue back to waiting, each with its attempts from zero

A job fails when it runs out of attempts or when its worker dies twice while holding it. It
stays in its queue's failed set, never dropped, until retried; retrying a post's job scores it
once, as ever. The Redis is the one the services use (REDIS_URL and REDIS_PREFIX).`;

/** `undertow jobs …`: the failed jobs straight in Redis. Writes to `out`; answers the exit code. */
export async function jobsCommand(argv: string[], config: Readonly<Config>, out: (text: string) => void): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  const [action = 'failed', target] = positionals;
  if (!['failed', 'retry'].includes(action)) throw new UsageError(`unknown jobs command "${action}"`);
  if (action === 'retry' && !(target === 'all' || QUEUE_NAMES.includes(target as QueueName))) {
    throw new UsageError(`retry needs a queue: one of ${QUEUE_NAMES.join(', ')}, or all`);
  }
  const redis = createRedis(await findRunningRedis(config), { maxRetriesPerRequest: 1 });
  const failedJobs = new FailedJobs(redis, config.redis.prefix);
  try {
    if (action === 'failed') {
      out(formatFailures(await failedJobs.summary()));
      return 0;
    }
    for (const queue of target === 'all' ? QUEUE_NAMES : [target as QueueName]) {
      const { retried, skipped } = await failedJobs.retry(queue);
      out(`${queue}: ${retried} failed job${retried === 1 ? '' : 's'} back to waiting${skipped > 0 ? ` (${skipped} had left the failed set meanwhile)` : ''}\n`);
    }
    return 0;
  } finally {
    await failedJobs.close();
    redis.disconnect();
  }
}

export function formatFailures(failures: readonly QueueFailures[]): string {
  const lines: string[] = [];
  for (const { queue, failed, reasons } of failures) {
    lines.push(`${queue}: ${failed} failed`);
    for (const { reason, jobs, exampleJobId } of reasons) lines.push(`  ${String(jobs).padStart(6)}  ${reason}  (e.g. job ${exampleJobId})`);
  }
  const total = failures.reduce((sum, f) => sum + f.failed, 0);
  if (total > 0) lines.push('', 'Put them back with: undertow jobs retry <queue|all>');
  return `${lines.join('\n')}\n`;
}
