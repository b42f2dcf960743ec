import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '@undertow/queue';
import { call, waitUntil } from '../support/http.js';
import { submitWithRetries } from '../support/retrying-submitter.js';
import { faultStream, sleep, startFaultStack, waitForScored, type FaultStack } from './fault-stack.js';
import { expectNothingLost } from './nothing-lost.js';

const FULL_FOR_MS = 10_000;
const BACKLOG = 1_200;

/**
 * Redis reaches its `maxmemory` (with `noeviction`, the only policy under which BullMQ keeps its
 * jobs) in the middle of a stream, while a worker is working through a backlog: writes are
 * refused until an operator makes room. Intake must say so with a 503 and Retry-After and take
 * no post it cannot queue; the worker's jobs must all be scored once Redis takes writes again.
 */
describe('Redis full mid-stream (maxmemory reached, noeviction)', () => {
  let stack: FaultStack;
  let admin: Redis;

  beforeAll(async () => {
    stack = await startFaultStack({ workers: 1 });
    await stack.addMemoPattern();
    admin = createRedis(stack.redis.url);
  });

  afterAll(async () => {
    admin?.disconnect();
    await stack?.stop();
  });

  it('refuses posts with 503 while Redis is full, loses none it accepted, and takes the rest once there is room', async () => {
    const stream = faultStream('full', 3000);
    try {
      let batches = 0;
      const submitting = submitWithRetries(stack.intakeUrl, stream.posts, { headers: stack.headers, batchSize: 50, concurrency: 1, pauseMs: 200, onBatch: (done) => (batches = done) });
      await waitForScored(stack, 'full', 300);

      // A backlog, so that Redis fills while the next worker is in the middle of it.
      await stack.workers[0]!.kill('SIGTERM');
      await waitUntil(async () => ((await stack.scoreJobs())['waiting'] ?? 0) >= BACKLOG, `a backlog of ${BACKLOG}`, 60_000);
      await stack.startWorker();
      await sleep(200);
      const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
      await admin.config('SET', 'maxmemory', String(Math.floor(used / 2)));
      const jobsWhenFull = await stack.scoreJobs();
      const batchesWhenFull = batches;

      const probe = await call(
        stack.intakeUrl,
        'POST',
        '/v1/posts',
        { source: 'full-probe', externalId: 'p1', text: 'sent while Redis is full', createdAt: new Date().toISOString(), author: { id: 'probe' } },
        stack.headers,
      );
      expect(probe.status).toBe(503);
      expect(probe.headers.get('retry-after')).toBe('5');
      expect(probe.body).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/unavailable or full/) });

      await sleep(FULL_FOR_MS);
      const batchesAcceptedWhileFull = batches - batchesWhenFull;
      await admin.config('SET', 'maxmemory', '0');

      const submitted = await submitting;
      expect(submitted.retries['503'] ?? 0).toBeGreaterThan(0);
      expect((await call(stack.intakeUrl, 'GET', '/v1/posts/full-probe/p1', undefined, stack.headers)).status).toBe(404);
      const refusedWrites = (stack.logs().match(/OOM command not allowed/g) ?? []).length;
      await expectNothingLost(stack, 'redis-full', stream, submitted, {
        redisFullMs: FULL_FOR_MS,
        waitingWhenFull: jobsWhenFull['waiting'],
        activeWhenFull: jobsWhenFull['active'],
        batchesAcceptedWhileFull,
        refusedWrites,
      });
    } catch (error) {
      console.error(stack.dump());
      throw error;
    }
  });
});
