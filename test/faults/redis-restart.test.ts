import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitWithRetries } from '../support/retrying-submitter.js';
import { faultStream, sleep, startFaultStack, waitForScored, type FaultStack } from './fault-stack.js';
import { expectNothingLost } from './nothing-lost.js';

describe('Redis killed and restarted mid-stream (AOF, fsync always)', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack({ workers: 1 });
    await stack.addMemoPattern();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('loses no accepted post: queued jobs come back from the AOF and clients retry the rest', async () => {
    const stream = faultStream('redis', 3000);
    try {
      // A stream of about 20 s, so that clients are sending when Redis dies and after it is back.
      let batches = 0;
      const submitting = submitWithRetries(stack.intakeUrl, stream.posts, { headers: stack.headers, batchSize: 50, concurrency: 1, pauseMs: 300, onBatch: (done) => (batches = done) });

      await waitForScored(stack, 'redis', 300);
      await stack.redis.kill();
      expect(stack.redis.process.signalCode).toBe('SIGKILL');
      await sleep(3_000);
      await stack.redis.restart();
      const batchesAtRestart = batches;

      const submitted = await submitting;
      expect(batches - batchesAtRestart).toBeGreaterThan(0);
      await expectNothingLost(stack, 'redis-restart', stream, submitted, { redisDownMs: 3_000, postsSentAfterRestart: (batches - batchesAtRestart) * 50 });
    } catch (error) {
      console.error(stack.dump());
      throw error;
    }
  });
});
