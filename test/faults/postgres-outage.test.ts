import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitWithRetries } from '../support/retrying-submitter.js';
import { countScored, faultStream, sleep, startFaultStack, waitForScored, type FaultStack } from './fault-stack.js';
import { expectNothingLost } from './nothing-lost.js';

const DOWN_MS = 10_000;

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
      // A stream of about 20 s, so that clients keep sending through the outage.
      let batches = 0;
      const submitting = submitWithRetries(stack.intakeUrl, stream.posts, { headers: stack.headers, batchSize: 50, concurrency: 1, pauseMs: 300, onBatch: (done) => (batches = done) });

      await waitForScored(stack, 'pgdown', 300);
      await stack.postgres.kill();
      expect(await countScored(stack.db, 'pgdown')).toBeNull();
      const batchesBefore = batches;
      await sleep(DOWN_MS);
      // Intake does not need the database to accept posts: the queue holds them meanwhile.
      const acceptedWhileDown = (batches - batchesBefore) * 50;
      await stack.postgres.start();

      const submitted = await submitting;
      expect(acceptedWhileDown).toBeGreaterThan(0);
      // Not one request failed for want of the database: the client's key was known before
      // the outage, and queuing needs only Redis.
      expect(Object.keys(submitted.retries).filter((cause) => /^5\d\d$/.test(cause))).toEqual([]);
      await expectNothingLost(stack, 'postgres-down-10s', stream, submitted, { postgresDownMs: DOWN_MS, acceptedWhileDown });
    } catch (error) {
      console.error(stack.dump());
      throw error;
    }
  });
});
