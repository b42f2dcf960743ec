import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitWithRetries } from '../support/retrying-submitter.js';
import { countScored, expectNothingLost, faultStream, sleep, startFaultStack, waitForScored, type FaultStack } from './fault-stack.js';

describe('PostgreSQL unavailable for 10 s mid-stream', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack({ workers: 1 });
    await stack.addMemoPattern();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('loses no accepted post: intake keeps accepting and workers retry until the database is back', async () => {
    const stream = faultStream('pgdown', 3000);
    try {
      const submitting = submitWithRetries(stack.intakeUrl, stream.posts, { headers: stack.headers, batchSize: 50, pauseMs: 20 });

      await waitForScored(stack, 'pgdown', 300);
      await stack.postgres.kill();
      expect(await countScored(stack.db, 'pgdown')).toBeNull();
      const acceptedWhileDown = await new Promise<number>((resolve) => {
        // Intake does not need the database to accept posts; the queue holds them meanwhile.
        const before = stack.scoreJobs().then((jobs) => jobs['completed']! + jobs['waiting']! + jobs['active']! + jobs['delayed']!);
        void sleep(10_000).then(async () => {
          const after = await stack.scoreJobs();
          resolve(after['completed']! + after['waiting']! + after['active']! + after['delayed']! - (await before));
        });
      });
      await stack.postgres.start();

      const submitted = await submitting;
      expect(acceptedWhileDown).toBeGreaterThan(0);
      await expectNothingLost(stack, 'postgres-down-10s', stream, submitted, { postgresDownMs: 10_000, acceptedWhileDown });
    } catch (error) {
      console.error(stack.dump());
      throw error;
    }
  });
});
