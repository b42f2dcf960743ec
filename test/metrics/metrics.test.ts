import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PostInput } from '@undertow/core';
import { loadConfig } from '@undertow/config';
import { loadTransformersProvider, type EmbeddingProvider } from '@undertow/embed';
import { Producer, createRedis } from '@undertow/queue';
import { openDatabase, type Database } from '@undertow/store';
import { startWorker, type RunningWorker } from '@undertow/worker';
import type { Redis } from 'ioredis';
import { buildApps, type BuiltApps } from '../access/apps.js';
import { waitUntil } from '../support/http.js';
import { ensureTinyModel } from '../support/model-fixture.js';

/** `name{labels} value` lines of a Prometheus exposition, the `service` label dropped. */
function series(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const at = line.lastIndexOf(' ');
    const key = line.slice(0, at).replace(/service="[^"]*",?/, '').replace(/,}/, '}').replace('{}', '');
    out.set(key, Number(line.slice(at + 1)));
  }
  return out;
}

function post(source: string, n: number, text: string): PostInput {
  return { source, externalId: `m-${n}`, author: { id: `a-${n}` }, community: 'c', text, createdAt: new Date(Date.UTC(2026, 9, 21, 9, 0, n)).toISOString() };
}

describe('/metrics on the two APIs', () => {
  let apps: BuiltApps;
  beforeAll(async () => {
    apps = await buildApps(inject('redisUrl'));
  });
  afterAll(async () => apps?.close());

  it('needs no key, and counts posts by outcome, request times per route and the queue depth', async () => {
    const submitted = await apps.intake.inject({
      method: 'POST',
      url: '/v1/posts',
      headers: apps.keys.submitter,
      payload: { posts: [post('metrics', 1, 'one'), post('metrics', 2, 'two'), post('metrics', 1, 'one again'), { source: 'metrics' }] },
    });
    expect(submitted.statusCode).toBe(202);

    const scraped = await apps.intake.inject({ method: 'GET', url: '/metrics' });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.headers['content-type']).toMatch(/^text\/plain/);
    const intake = series(scraped.body);
    expect(intake.get('undertow_intake_posts_total{status="queued"}')).toBe(2);
    expect(intake.get('undertow_intake_posts_total{status="duplicate"}')).toBe(1);
    expect(intake.get('undertow_intake_posts_total{status="rejected"}')).toBe(1);
    expect(intake.get('undertow_http_request_duration_seconds_count{method="POST",route="/v1/posts",status_code="202"}')).toBe(1);
    // No worker runs here: both posts wait on the score queue.
    expect(intake.get('undertow_queue_jobs{queue="score",state="waiting"}')).toBe(2);
    expect(intake.get('undertow_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(scraped.body).toContain('service="intake"');

    const results = await apps.results.inject({ method: 'GET', url: '/metrics' });
    expect(results.statusCode).toBe(200);
    expect(results.body).toContain('service="results"');
    expect(series(results.body).get('undertow_queue_jobs{queue="score",state="waiting"}')).toBe(2);
  });

  it('is left out of the OpenAPI docs', async () => {
    const spec = await apps.intake.inject({ method: 'GET', url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
    expect(Object.keys((spec.json() as { paths: Record<string, unknown> }).paths)).not.toContain('/metrics');
  });
});

describe('worker metrics', () => {
  const prefix = `metrics-${randomUUID()}`;
  let redis: Redis;
  let db: Database;
  let provider: EmbeddingProvider;
  let worker: RunningWorker;
  let second: RunningWorker | undefined;

  beforeAll(async () => {
    redis = createRedis(inject('redisUrl'));
    db = await openDatabase({ dataDir: 'memory://' });
    const model = await ensureTinyModel();
    provider = await loadTransformersProvider({ modelDir: model.dir, modelName: model.modelName, dtype: 'fp32', threads: 1, maxTokens: 64 });
    const config = loadConfig({ REDIS_URL: inject('redisUrl'), REDIS_PREFIX: prefix, WORKER_METRICS_PORT: '0', WORKER_BATCH_WAIT_MS: '50', LOG_LEVEL: 'silent' });
    worker = await startWorker(config, pino({ level: 'silent' }), { redis, db, embedder: provider });
  }, 60_000);

  afterAll(async () => {
    await second?.close();
    await worker?.close();
    redis?.disconnect();
    await db?.close();
  });

  it('serves jobs done, batch sizes, stage times, latency and where embeddings came from', async () => {
    expect(worker.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const producer = new Producer(redis, prefix);
    // Five posts, four distinct texts: one text is embedded once and reused.
    const texts = ['the harbour sale was agreed in secret', 'council minutes rewritten', 'the harbour sale was agreed in secret', 'a day at the beach', 'port authority valuation'];
    await producer.enqueuePosts(texts.map((text, i) => post('worker-metrics', i, text)));
    await producer.close();

    let scraped = new Map<string, number>();
    await waitUntil(async () => {
      scraped = series(await (await fetch(worker.metricsUrl!)).text());
      return scraped.get('undertow_worker_jobs_total{queue="score",status="completed"}') === 5;
    }, 'five scored posts in the worker metrics');

    expect(scraped.get('undertow_score_latency_seconds_count')).toBe(5);
    expect(scraped.get('undertow_score_batch_posts_sum')).toBe(5);
    for (const stage of ['persist', 'embed', 'match', 'stories', 'save']) {
      expect(scraped.get(`undertow_score_stage_seconds_count{stage="${stage}"}`), stage).toBeGreaterThanOrEqual(1);
    }
    const lookups = (source: string) => scraped.get(`undertow_embedding_lookups_total{source="${source}"}`) ?? 0;
    expect(lookups('model')).toBe(4);
    // The repeat is answered without the model: in the same batch, or from the cache in a later one.
    expect(lookups('batch') + lookups('memory')).toBe(1);
    expect(scraped.get('undertow_model_calls_total')).toBeGreaterThanOrEqual(1);
    expect(scraped.get('undertow_model_seconds_total')).toBeGreaterThan(0);
    expect(scraped.get('undertow_queue_jobs{queue="score",state="waiting"}')).toBe(0);
  });

  it('keeps scoring when its metrics port is taken, and says where metrics are not served', async () => {
    const port = new URL(worker.metricsUrl!).port;
    const config = loadConfig({ REDIS_URL: inject('redisUrl'), REDIS_PREFIX: `${prefix}-2`, WORKER_METRICS_PORT: port, LOG_LEVEL: 'silent' });
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    second = await startWorker(config, log, { redis, db, embedder: new SharedProvider(provider) });
    expect(second.metricsUrl).toBeNull();
    expect(lines.join('')).toContain('worker metrics are not served');
  });
});

/** The loaded provider, shared by the second worker; closing it is left to the first. */
class SharedProvider implements EmbeddingProvider {
  constructor(private readonly inner: EmbeddingProvider) {}
  get modelId() {
    return this.inner.modelId;
  }
  get dimensions() {
    return this.inner.dimensions;
  }
  get maxTokens() {
    return this.inner.maxTokens;
  }
  embed(texts: string[]) {
    return this.inner.embed(texts);
  }
  async close() {}
}
