import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { LEAKED_MEMO, startProduct, type RunningProduct } from '@undertow/cli';
import { loadConfig } from '@undertow/config';
import { call, waitUntil } from '../support/http.js';
import { ensureTinyModel } from '../support/model-fixture.js';

const ADMIN_KEY = `test-admin-${randomUUID()}`;
const auth = { 'x-api-key': ADMIN_KEY };
let product: RunningProduct | undefined;
let dataDir = '';

afterEach(async () => {
  await product?.close();
  product = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

async function start(env: Record<string, string>, logs: string[] = []): Promise<RunningProduct> {
  dataDir = await mkdtemp(join(tmpdir(), 'undertow-model-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    REDIS_URL: inject('redisUrl'),
    REDIS_PREFIX: `model-${randomUUID()}`,
    INTAKE_PORT: '0',
    RESULTS_PORT: '0',
    UNDERTOW_ADMIN_KEY: ADMIN_KEY,
    ...env,
  });
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (logs.push(chunk.toString()), done()) });
  product = await startProduct(config, pino({ level: 'warn' }, sink));
  return product;
}

async function scoreOnePost(p: RunningProduct): Promise<{ model: string }> {
  const created = await call(p.resultsUrl, 'POST', '/v1/patterns', { kind: 'document', name: 'memo', text: LEAKED_MEMO }, auth);
  await waitUntil(async () => (await call(p.resultsUrl, 'GET', `/v1/patterns/${created.body.id}`, undefined, auth)).body.status === 'ready', 'indexing');
  const post = { source: 's', externalId: 'p1', author: { id: 'a' }, text: 'The union has not been told about the pension contributions.', createdAt: '2026-10-21T10:00:00Z' };
  expect((await call(p.intakeUrl, 'POST', '/v1/posts', post, auth)).status).toBe(202);
  let score: { model: string } | null = null;
  await waitUntil(async () => {
    const status = await call(p.intakeUrl, 'GET', '/v1/posts/s/p1', undefined, auth);
    score = status.body?.score ?? null;
    return status.body?.status === 'scored';
  }, 'the post to be scored');
  return score!;
}

describe('embedding model in the worker', () => {
  it('loads a local ONNX model through transformers.js and records it on every score', async () => {
    const model = await ensureTinyModel();
    const p = await start({ MODEL_DIR: model.dir, MODEL_NAME: model.modelName, MODEL_DTYPE: 'q8' });
    expect(p.model).toBe(`local/${model.modelName}@q8`);
    expect((await scoreOnePost(p)).model).toBe(`local/${model.modelName}@q8`);
  }, 120_000);

  it('runs without a model, says so loudly, and records model "none"', async () => {
    const logs: string[] = [];
    const p = await start({ MODEL_DIR: join(tmpdir(), `no-models-${randomUUID()}`) }, logs);
    expect(p.model).toBe('none');
    expect(logs.join('')).toMatch(/semantic matching is OFF: no model at/);
    expect((await scoreOnePost(p)).model).toBe('none');
  }, 120_000);
});
