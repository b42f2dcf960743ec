import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '@undertow/config';
import { createRedis, openQueues } from '@undertow/queue';
import { jobsCommand } from './jobs.js';
import { UsageError } from './keys.js';

describe('undertow jobs', () => {
  const prefix = `t-${randomUUID()}`;
  const config = loadConfig({ REDIS_URL: inject('redisUrl'), REDIS_PREFIX: prefix });
  const redis = createRedis(inject('redisUrl'));
  const queues = openQueues(redis, prefix);

  afterAll(async () => {
    await Promise.all(Object.values(queues).map((queue) => queue.close()));
    redis.disconnect();
  });

  async function run(...argv: string[]): Promise<{ code: number; text: string }> {
    let text = '';
    const code = await jobsCommand(argv, config, (chunk) => (text += chunk));
    return { code, text };
  }

  it('lists failed jobs by queue and reason, and retries a queue', async () => {
    await queues.score.add('score-post', { post: 'p' }, { jobId: 'p1' });
    const worker = new Worker(queues.score.name, null, { connection: redis, prefix, skipVersionCheck: true, autorun: false });
    const job = await worker.getNextJob('token');
    await job!.moveToFailed(new Error('database refused the post'), 'token');
    await worker.close();

    const listed = await run('failed');
    expect(listed.code).toBe(0);
    expect(listed.text).toContain('score: 1 failed\n       1  database refused the post  (e.g. job p1)\n');
    expect(listed.text).toContain('engagement: 0 failed');
    expect(listed.text).toContain('undertow jobs retry <queue|all>');

    expect(await run('retry', 'score')).toEqual({ code: 0, text: 'score: 1 failed job back to waiting\n' });
    expect(await queues.score.getWaitingCount()).toBe(1);
    expect((await run()).text).not.toContain('undertow jobs retry');
  });

  it('refuses an unknown action or queue', async () => {
    await expect(run('purge')).rejects.toThrow(UsageError);
    await expect(run('retry')).rejects.toThrow(/retry needs a queue/);
    await expect(run('retry', 'scores')).rejects.toThrow(/one of score, engagement, patterns, rescans, or all/);
  });
});
