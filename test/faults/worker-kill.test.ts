import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitWithRetries } from '../support/retrying-submitter.js';
import { faultStream, startFaultStack, waitForScored, type FaultStack } from './fault-stack.js';
import { expectNothingLost } from './nothing-lost.js';

describe('a worker killed with SIGKILL in the middle of a batch', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack({ workers: 1 });
    await stack.addMemoPattern();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('loses no accepted post: the jobs it held are scored once by the next worker', async () => {
    const stream = faultStream('kill9', 3000);
    try {
      const submitting = submitWithRetries(stack.intakeUrl, stream.posts, { headers: stack.headers, batchSize: 50, pauseMs: 5 });

      await waitForScored(stack, 'kill9', 300);
      const heldAtKill = (await stack.scoreJobs())['active']!;
      const killed = stack.workers[0]!;
      await killed.kill('SIGKILL');
      expect(killed.child.signalCode).toBe('SIGKILL');
      // It died holding jobs, some in a batch being scored; they stay active under its lock
      // until the next worker finds them stalled and takes them back.
      expect(heldAtKill).toBeGreaterThan(0);
      await stack.startWorker();

      await expectNothingLost(stack, 'worker-sigkill', stream, await submitting, { jobsHeldAtKill: heldAtKill });
    } catch (error) {
      console.error(stack.dump());
      throw error;
    }
  });
});
