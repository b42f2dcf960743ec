import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, waitUntil } from '../support/http.js';
import { submitWithRetries } from '../support/retrying-submitter.js';
import { faultStream, sleep, startFaultStack, waitForScored, type FaultStack } from './fault-stack.js';
import { expectNothingLost } from './nothing-lost.js';

/** How long a service may take to stop on SIGTERM when everything it needs is up. */
const STOP_WITHIN_MS = 15_000;
/** The services' own deadline for a stop that cannot finish (services/{worker,intake}/src/main.ts). */
const STOP_DEADLINE_MS = 30_000;

describe('SIGTERM: stop intake, drain workers, close connections, lose nothing', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack({ workers: 1 });
    await stack.addMemoPattern();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('a worker told to stop mid-stream finishes the jobs it holds and exits 0; the next one scores the rest', async () => {
    const stream = faultStream('sigterm-worker', 3000);
    try {
      const submitting = submitWithRetries(stack.intakeUrl, stream.posts, { headers: stack.headers, batchSize: 50, pauseMs: 5 });
      await waitForScored(stack, 'sigterm-worker', 300);
      const worker = stack.workers[0]!;
      const heldAtSignal = (await stack.scoreJobs())['active']!;
      expect(heldAtSignal).toBeGreaterThan(0);

      const started = Date.now();
      await worker.kill('SIGTERM');
      const stoppedInMs = Date.now() - started;
      expect(worker.child.exitCode).toBe(0);
      expect(stoppedInMs).toBeLessThan(STOP_WITHIN_MS);
      // Nothing is left locked to the stopped worker: no job waits out a stall timeout.
      expect((await stack.scoreJobs())['active']).toBe(0);
      expect(worker.output()).toMatch(/stopping: finishing the jobs in hand/);

      await stack.startWorker();
      await expectNothingLost(stack, 'worker-sigterm', stream, await submitting, { jobsHeldAtSignal: heldAtSignal, stoppedInMs });
    } catch (error) {
      console.error(stack.dump());
      throw error;
    }
  });

  it('intake told to stop mid-stream answers what it took in, refuses the rest, exits 0; clients retry on the next one', async () => {
    const stream = faultStream('sigterm-intake', 3000);
    try {
      let batches = 0;
      const submitting = submitWithRetries(stack.intakeUrl, stream.posts, {
        headers: stack.headers,
        batchSize: 50,
        concurrency: 4,
        pauseMs: 20,
        onBatch: (done) => (batches = done),
      });
      while (batches < 10) await sleep(10);
      const intake = stack.intake;
      const started = Date.now();
      await intake.kill('SIGTERM');
      const stoppedInMs = Date.now() - started;
      expect(intake.child.exitCode).toBe(0);
      expect(stoppedInMs).toBeLessThan(STOP_WITHIN_MS);
      expect(intake.output()).toMatch(/stopping: no new requests/);
      await sleep(1_000);
      await stack.startIntake();

      const submitted = await submitting;
      // A graceful stop answers every request it took in. One that arrives on an open
      // connection while it closes is refused with 503 (and retried); none fails with a 500.
      expect(Object.keys(submitted.retries).filter((cause) => /^5\d\d$/.test(cause) && cause !== '503')).toEqual([]);
      await expectNothingLost(stack, 'intake-sigterm', stream, submitted, { stoppedInMs });
    } catch (error) {
      console.error(stack.dump());
      throw error;
    }
  });

  it('a worker told to stop while Redis is down exits within its deadline; its jobs come back', async () => {
    const stream = faultStream('sigterm-no-redis', 2000);
    try {
      const submitting = submitWithRetries(stack.intakeUrl, stream.posts, { headers: stack.headers, batchSize: 50, pauseMs: 5 });
      await waitForScored(stack, 'sigterm-no-redis', 200);
      await stack.redis.kill();
      const worker = stack.workers.at(-1)!;
      const started = Date.now();
      await worker.kill('SIGTERM');
      const stoppedInMs = Date.now() - started;
      // It could not finish (or give back) what it held without Redis, and did not wait forever.
      expect(stoppedInMs).toBeLessThan(STOP_DEADLINE_MS + 5_000);
      expect(worker.output()).toMatch(/did not stop in time/);
      await stack.redis.restart();
      await stack.startWorker();
      await expectNothingLost(stack, 'worker-sigterm-redis-down', stream, await submitting, { stoppedInMs, exitCode: worker.child.exitCode });
    } catch (error) {
      console.error(stack.dump());
      throw error;
    }
  });

  it('results told to stop exits 0 and closes its connections', async () => {
    const results = stack.results;
    const connections = async () =>
      Number((await stack.db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE backend_type = 'client backend'`)).rows[0]!.n);
    expect((await call(stack.resultsUrl, 'GET', '/v1/flags?limit=1', undefined, stack.headers)).status).toBe(200);
    const before = await connections();
    const started = Date.now();
    await results.kill('SIGTERM');
    expect(results.child.exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(STOP_WITHIN_MS);
    expect(results.output()).toMatch(/stopping/);
    // Its database connections went with it.
    await waitUntil(async () => (await connections()) < before, "the results service's connections to close", 5_000);
  });
});
