import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { startProduct, type RunningProduct } from '@undertow/cli';
import { loadConfig } from '@undertow/config';
import { runPipelineScenario } from './pipeline-scenario.js';

const ADMIN_KEY = `test-admin-${randomUUID()}`;

/** The embedded default: intake, worker and results in one process on PGlite. */
describe('one-process default (PGlite)', () => {
  let product: RunningProduct;
  let dataDir = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'undertow-e2e-'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: `one-${randomUUID()}`,
      INTAKE_PORT: '0',
      RESULTS_PORT: '0',
      MODEL: 'none',
      UNDERTOW_ADMIN_KEY: ADMIN_KEY,
    });
    product = await startProduct(config, pino({ level: 'warn' }));
  }, 60_000);

  afterAll(async () => {
    await product?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('flags exactly the posts that carry the document, with the right passage', async () => {
    await runPipelineScenario(product.intakeUrl, product.resultsUrl, 'one', ADMIN_KEY);
  }, 180_000);
});
