import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { waitUntil } from '../../../test/support/http.js';
import { FailedJobs } from './failed-jobs.js';
import { openQueues } from './open-queues.js';
import { QUEUES } from './queues.js';
import { createRedis } from './redis.js';

describe('FailedJobs', () => {
  const redis = createRedis(inject('redisUrl'));
  const prefix = `t-${randomUUID()}`;
  const queues = openQueues(redis, prefix);
  const failedJobs = new FailedJobs(redis, prefix);

  afterAll(async () => {
    await failedJobs.close();
    await Promise.all(Object.values(queues).map((queue) => queue.close()));
    redis.disconnect();
  });

  it('says how many jobs failed and why, and puts them back with fresh attempts', async () => {
    const reasons = ['database refused the post', 'database refused the post', 'database refused the post', 'job stalled more than allowable limit'];
    await queues.score.addBulk(reasons.map((reason, i) => ({ name: 'score-post', data: { reason }, opts: { jobId: `j${i}`, attempts: 2 } })));
    let runs = 0;
    const worker = new Worker(
      QUEUES.score,
      async (job) => {
        runs++;
        throw new Error(job.data.reason);
      },
      { connection: createRedis(inject('redisUrl')), prefix, skipVersionCheck: true },
    );
    await waitUntil(async () => (await queues.score.getFailedCount()) === reasons.length, 'every job to fail', 10_000, 50);
    await worker.close();
    await worker.disconnect();
    expect(runs).toBe(reasons.length * 2);

    const summary = await failedJobs.summary();
    expect(summary.find((s) => s.queue === 'engagement')).toEqual({ queue: 'engagement', failed: 0, reasons: [] });
    expect(summary.find((s) => s.queue === 'score')).toEqual({
      queue: 'score',
      failed: 4,
      reasons: [
        { reason: 'database refused the post', jobs: 3, exampleJobId: expect.stringMatching(/^j[012]$/) },
        { reason: 'job stalled more than allowable limit', jobs: 1, exampleJobId: 'j3' },
      ],
    });

    expect(await failedJobs.retry('score')).toEqual({ queue: 'score', retried: 4, skipped: 0 });
    expect(await queues.score.getFailedCount()).toBe(0);
    expect(await queues.score.getWaitingCount()).toBe(4);
    const job = await queues.score.getJob('j0');
    expect(job?.attemptsMade).toBe(0);
    expect(await failedJobs.retry('score')).toEqual({ queue: 'score', retried: 0, skipped: 0 });
  });
});
