import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitWithRetries } from '../support/retrying-submitter.js';
import { faultStream, sleep, startFaultStack, type FaultStack } from './fault-stack.js';
import { expectNothingLost } from './nothing-lost.js';

describe('intake killed and restarted while clients retry', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack({ workers: 1 });
    await stack.addMemoPattern();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('loses no accepted post and duplicates none: a retried batch answers duplicate for what got in', async () => {
    const stream = faultStream('intake', 3000);
    try {
      let batches = 0;
      const submitting = submitWithRetries(stack.intakeUrl, stream.posts, {
        headers: stack.headers,
        batchSize: 50,
        concurrency: 4,
        pauseMs: 5,
        onBatch: (done) => (batches = done),
      });
      while (batches < 10) await sleep(10);
      const killed = stack.intake;
      await killed.kill('SIGKILL');
      expect(killed.child.signalCode).toBe('SIGKILL');
      await sleep(2_000);
      await stack.startIntake();

      const submitted = await submitting;
      // Clients saw the outage and sent batches again.
      expect(Object.values(submitted.retries).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      await expectNothingLost(stack, 'intake-sigkill', stream, submitted, { intakeDownMs: 2_000 });
    } catch (error) {
      console.error(stack.dump());
      throw error;
    }
  });
});
