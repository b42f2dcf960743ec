import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostInput } from '@undertow/core';
import { Producer, QUEUES, createRedis } from '@undertow/queue';
import { waitUntil } from '../support/http.js';
import { countScored, faultStream, startFaultStack, type FaultStack } from './fault-stack.js';
import { recordFigures } from './figures.js';

/**
 * A queued post the database refuses — one intake's checks let through, or one queued by an
 * older version with laxer checks — must fail alone. Its batch-mates were retried with the
 * same backoff as it, met it again in their next batch, and ran out of attempts with it.
 */
describe('a queued post the database refuses, among good ones', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack({ workers: 1 });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('fails only itself, visibly; every post queued beside it is scored at once', async () => {
    const stream = faultStream('poison', 600, 1);
    // Year 0 and February 30th: Date.parse takes both, PostgreSQL neither. The last is stored,
    // but is year 10000 in UTC, which the worker writes back as `+010000-…` and PostgreSQL refuses.
    const poisons: PostInput[] = [
      { ...stream.posts[0]!, externalId: 'refused-year-0', createdAt: '0000-01-01T00:00:00Z' },
      { ...stream.posts[0]!, externalId: 'refused-feb-30', createdAt: '2026-02-30T12:00:00Z' },
      { ...stream.posts[0]!, externalId: 'refused-year-10000', createdAt: '9999-12-31T23:59:59-14:00' },
    ];
    const queued = [...stream.posts.slice(0, 200), poisons[0]!, ...stream.posts.slice(200, 400), poisons[1]!, ...stream.posts.slice(400), poisons[2]!];
    const redis = createRedis(stack.redis.url);
    const producer = new Producer(redis, stack.env['REDIS_PREFIX']!);
    const queue = new Queue(QUEUES.score, { connection: redis, prefix: stack.env['REDIS_PREFIX'], skipVersionCheck: true });
    try {
      // Straight onto the queue, in one bulk, so that the poisons share batches with good posts.
      const results = await producer.enqueuePosts(queued);
      expect(results.every((r) => r.status === 'queued')).toBe(true);

      const started = Date.now();
      await waitUntil(async () => (await countScored(stack.db, 'poison')) === stream.posts.length, 'every good post to be scored', 30_000, 100);
      const scoredInMs = Date.now() - started;

      // The poisons are retried (in case the refusal was passing), and say why they fail. The
      // last one may still be in its first attempt when the good posts are all scored.
      const poisonJobs = async () =>
        (await queue.getJobs(['failed', 'delayed', 'waiting', 'active'])).filter((job) => (job.data as { post: PostInput }).post.externalId.startsWith('refused-'));
      await waitUntil(async () => (await poisonJobs()).filter((job) => job.failedReason).length === 3, 'each poison to have failed once', 30_000, 100);
      const failed = await poisonJobs();
      expect(failed).toHaveLength(3);
      for (const job of failed) expect(job.failedReason).toMatch(/out of range/);
      // None has a score: a post whose job failed is not reported as scored.
      const { rows } = await stack.db.query<{ n: string }>(`SELECT count(*) AS n FROM posts p JOIN scores s ON s.post_id = p.id WHERE p.external_id LIKE 'refused-%'`);
      expect(Number(rows[0]!.n)).toBe(0);

      recordFigures({
        fault: 'poison-post',
        sent: queued.length,
        accepted: queued.length,
        scored: (await countScored(stack.db, 'poison')) ?? 0,
        lost: stream.posts.length - ((await countScored(stack.db, 'poison')) ?? 0),
        duplicateFlags: 0,
        retries: {},
        refusedByDatabase: poisons.length,
        goodPostsScoredInMs: scoredInMs,
      });
    } catch (error) {
      console.error(stack.dump());
      throw error;
    } finally {
      await queue.close();
      await producer.close();
      redis.disconnect();
    }
  });
});
