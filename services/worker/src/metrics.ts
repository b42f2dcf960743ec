import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Job, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EmbeddingLookups } from './scoring/embeddings.js';

export interface WorkerMetricsOptions {
  /** Read on each scrape: jobs per queue and state. */
  queueCounts?: () => Promise<Record<string, Record<string, number>>>;
  /** Read on each scrape: where embeddings came from, counted since the worker started. */
  embeddings?: { lookups: Readonly<EmbeddingLookups> };
}

/** A scored micro-batch: how many posts it held, how many were new, and its stage timings. */
export interface ScoredBatch {
  posts: number;
  scored: number;
  /** Milliseconds per stage (`persist`, `embed`, `match`, `stories`, `behaviour`, `save`, `reevaluate`). */
  laps: Readonly<Record<string, number>>;
}

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The worker's Prometheus series: jobs finished per queue, posts per scoring batch, time per
 * scoring stage, time from intake's 202 to the stored score, embedding sources (the cache hit
 * rate), model time, queue depth and the process itself.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly jobs: Counter<'queue' | 'status'>;
  private readonly batchPosts: Histogram;
  private readonly stageSeconds: Histogram<'stage'>;
  private readonly scoreLatency: Histogram;

  constructor(options: WorkerMetricsOptions = {}) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ service: 'worker' });
    collectDefaultMetrics({ register: this.registry, prefix: 'undertow_' });
    this.jobs = new Counter({ name: 'undertow_worker_jobs_total', help: 'Jobs finished, by queue and outcome.', labelNames: ['queue', 'status'], registers });
    this.batchPosts = new Histogram({
      name: 'undertow_score_batch_posts',
      help: 'Posts per scoring micro-batch.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers,
    });
    this.stageSeconds = new Histogram({
      name: 'undertow_score_stage_seconds',
      help: 'Time per scoring stage of a micro-batch.',
      labelNames: ['stage'],
      buckets: SECONDS,
      registers,
    });
    this.scoreLatency = new Histogram({
      name: 'undertow_score_latency_seconds',
      help: "From intake's acceptance of a post (its 202) to its score stored.",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    const { queueCounts, embeddings } = options;
    if (queueCounts) {
      new Gauge({
        name: 'undertow_queue_jobs',
        help: 'Jobs per queue and state, read from Redis at scrape time.',
        labelNames: ['queue', 'state'],
        registers,
        async collect() {
          this.reset();
          for (const [queue, states] of Object.entries(await queueCounts())) {
            for (const [state, count] of Object.entries(states)) this.set({ queue, state }, count);
          }
        },
      });
    }
    if (embeddings) {
      new Counter({
        name: 'undertow_embedding_lookups_total',
        help: 'Texts needing an embedding, by where it came from: memory (the cache), stored (PostgreSQL), batch (the same text earlier in the batch) or model.',
        labelNames: ['source'],
        registers,
        collect() {
          this.reset();
          const { memory, stored, batch, model } = embeddings.lookups;
          for (const [source, count] of Object.entries({ memory, stored, batch, model })) this.inc({ source }, count);
        },
      });
      new Counter({
        name: 'undertow_model_seconds_total',
        help: 'Time spent in the embedding model (tokenize, run, pool).',
        registers,
        collect() {
          this.reset();
          this.inc(embeddings.lookups.modelMs / 1000);
        },
      });
      new Counter({
        name: 'undertow_model_calls_total',
        help: 'Calls to the embedding provider.',
        registers,
        collect() {
          this.reset();
          this.inc(embeddings.lookups.modelCalls);
        },
      });
    }
  }

  /** Counts every job the workers finish, and the latency of each scored post. */
  watch(workers: readonly Worker[]): void {
    for (const worker of workers) {
      worker.on('completed', (job: Job) => {
        this.jobs.inc({ queue: worker.name, status: 'completed' });
        const acceptedAt = job.name === 'score-post' ? Date.parse((job.data as { acceptedAt?: string }).acceptedAt ?? '') : NaN;
        if (Number.isFinite(acceptedAt)) this.scoreLatency.observe(Math.max(0, Date.now() - acceptedAt) / 1000);
      });
      worker.on('failed', () => this.jobs.inc({ queue: worker.name, status: 'failed' }));
    }
  }

  observeBatch(batch: ScoredBatch): void {
    this.batchPosts.observe(batch.posts);
    for (const [stage, ms] of Object.entries(batch.laps)) this.stageSeconds.observe({ stage }, ms / 1000);
  }

  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` on its own port. A port already taken (a second worker on the same
 * host) is logged and skipped: metrics must never stop a worker from scoring.
 */
export async function serveMetrics(metrics: Pick<WorkerMetrics, 'scrape'>, port: number, host: string, log: Logger): Promise<MetricsServer | null> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at /metrics\n');
      return;
    }
    metrics.scrape().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      (error: unknown) => {
        log.warn({ err: error }, 'metrics scrape failed');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('scrape failed\n');
      },
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    log.warn({ port, host, reason }, 'worker metrics are not served: could not listen (set WORKER_METRICS_PORT to another port, or 0 for any free one)');
    return null;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/metrics`;
  log.info({ url }, 'worker metrics served');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
