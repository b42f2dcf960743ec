import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { createTestSchema, type TestSchema } from '../support/postgres.js';
import { freePort, startService, waitReady, type ServiceProcess } from '../support/services.js';
import { runPipelineScenario } from './pipeline-scenario.js';

const schema = await createTestSchema();
const ADMIN_KEY = `test-admin-${randomUUID()}`;

/** The three services as separate processes against a private Redis and a real PostgreSQL. */
describe.skipIf(!schema)('three services over HTTP (real PostgreSQL, private Redis)', () => {
  const services: ServiceProcess[] = [];
  let intakeUrl = '';
  let resultsUrl = '';

  beforeAll(async () => {
    const db = schema as TestSchema;
    const [intakePort, resultsPort] = [await freePort(), await freePort()];
    const env = {
      DATABASE_URL: db.url,
      DATABASE_SCHEMA: db.schema,
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: `e2e-${randomUUID()}`,
      INTAKE_PORT: String(intakePort),
      RESULTS_PORT: String(resultsPort),
      MODEL: 'none',
      UNDERTOW_ADMIN_KEY: ADMIN_KEY,
    };
    intakeUrl = `http://127.0.0.1:${intakePort}`;
    resultsUrl = `http://127.0.0.1:${resultsPort}`;
    // Results first: it runs the migrations the others then find in place.
    services.push(startService('results', env));
    await waitReady(resultsUrl, services[0]!);
    services.push(startService('intake', env), startService('worker', env));
    await waitReady(intakeUrl, services[1]!);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill()));
    await schema?.drop();
  });

  it('flags exactly the posts that carry the document, with the right passage', async () => {
    try {
      await runPipelineScenario(intakeUrl, resultsUrl, 'e2e', ADMIN_KEY);
    } catch (error) {
      for (const s of services) console.error(`--- ${s.name} output ---\n${s.output()}`);
      throw error;
    }
  }, 180_000);
});
