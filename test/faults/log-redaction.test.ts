import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callDeclaringBody } from '../support/http.js';
import { submitWithRetries } from '../support/retrying-submitter.js';
import { faultStream, startFaultStack, waitForDrain, type FaultStack } from './fault-stack.js';

const DATABASE_PASSWORD = 'pg-Pa55word-that-must-not-leak';

/**
 * Secrets in, nothing out: the three services at LOG_LEVEL=trace, with a password in
 * DATABASE_URL and a seeded admin key, serve requests that carry keys in both headers and end
 * in every kind of answer — 201 with a new key's secret, 202, 400, 401, 403, 404, 413, and a
 * 503 logged with its error while the database is down — and no secret appears anywhere in
 * what they write.
 */
describe('secrets and keys are redacted from the logs', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack({ workers: 1, databasePassword: DATABASE_PASSWORD, env: { LOG_LEVEL: 'trace' } });
    await stack.addMemoPattern();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('writes no key, key secret or password at any log level', async () => {
    const admin = stack.headers['x-api-key']!;
    const asAdmin = { authorization: `Bearer ${admin}` };
    const made = await call(stack.resultsUrl, 'POST', '/v1/keys', { name: 'log-test-reviewer', role: 'reviewer' }, asAdmin);
    expect(made.status).toBe(201);
    const reviewer: string = made.body.secret;
    const submitter: string = (await call(stack.resultsUrl, 'POST', '/v1/keys', { name: 'log-test-submitter', role: 'submitter' }, stack.headers)).body.secret;
    const unknown = `utw_${'Q'.repeat(43)}`;

    const stream = faultStream('logs', 200);
    await submitWithRetries(stack.intakeUrl, stream.posts, { headers: { 'x-api-key': submitter } });
    await waitForDrain(stack, 'logs', 200);
    const answers = [
      await call(stack.intakeUrl, 'POST', '/v1/posts', { source: 'logs', externalId: 'bad' }, { 'x-api-key': submitter }),
      await call(stack.resultsUrl, 'GET', '/v1/flags', undefined, { 'x-api-key': unknown }),
      await call(stack.resultsUrl, 'POST', '/v1/keys', { name: 'nope', role: 'admin' }, { authorization: `Bearer ${reviewer}` }),
      await call(stack.resultsUrl, 'GET', '/v1/flags/999999', undefined, { 'x-api-key': reviewer }),
      await callDeclaringBody(stack.intakeUrl, 'POST', '/v1/posts', 17 * 1024 * 1024, { 'x-api-key': submitter }),
    ].map((r) => r.status);
    expect(answers).toEqual([400, 401, 403, 404, 413]);

    // A 503 (logged as an error): the database goes away under a request that carries a key the service knows.
    await stack.postgres.kill();
    const failed = await call(stack.resultsUrl, 'GET', '/v1/flags', undefined, { 'x-api-key': reviewer });
    await stack.postgres.start();
    expect(failed.status).toBe(503);
    expect(JSON.stringify(failed.body)).not.toMatch(/ECONNREFUSED|postgres|password/i);

    const logs = stack.logs();
    // The logs did record what happened, errors included: the test looked where secrets would be.
    expect(logs).toMatch(/"level":20/);
    expect(logs).toMatch(/request failed/);
    for (const [what, secret] of Object.entries({ admin, reviewer, submitter, unknown, DATABASE_PASSWORD })) {
      expect(logs.includes(secret), `${what} in the logs`).toBe(false);
      // Nor the part of a key past its visible prefix.
      expect(logs.includes(secret.slice(10)), `the secret part of ${what} in the logs`).toBe(false);
    }
  });
});
