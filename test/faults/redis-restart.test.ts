import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitWithRetries } from '../support/retrying-submitter.js';
import { expectNothingLost, faultStream, sleep, startFaultStack, waitForScored, type FaultStack } from './fault-stack.js';

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
      const submitting = submitWithRetries(stack.intakeUrl, stream.posts, { headers: stack.headers, batchSize: 50, pauseMs: 5 });

      await waitForScored(stack, 'redis', 300);
      await stack.redis.kill();
      expect(stack.redis.process.signalCode).toBe('SIGKILL');
      await sleep(3_000);
      await stack.redis.restart();

      const submitted = await submitting;
      await expectNothingLost(stack, 'redis-restart', stream, submitted, { redisDownMs: 3_000 });
    } catch (error) {
      console.error(stack.dump());
      throw error;
    }
  });
});
