import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Job counts per queue, then per BullMQ state (`waiting`, `active`, `delayed`, `failed`, …). */
export type QueueCounts = Record<string, Record<string, number>>;

export interface ServiceMetricsOptions {
  /** Set as the `service` label on every series, so that one Prometheus tells the services apart. */
  service: string;
  /** Read on each scrape: the depth of every queue as `undertow_queue_jobs{queue,state}`. */
  queueCounts?: () => Promise<QueueCounts>;
}

/**
 * One Prometheus registry per service instance. Not prom-client's global registry: the
 * one-process product runs intake, results and a worker side by side, each with its own.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  constructor(options: ServiceMetricsOptions) {
    this.registry.setDefaultLabels({ service: options.service });
    collectDefaultMetrics({ register: this.registry, prefix: 'undertow_' });
    const queueCounts = options.queueCounts;
    if (queueCounts) {
      new Gauge({
        name: 'undertow_queue_jobs',
        help: 'Jobs per queue and state, read from Redis at scrape time.',
        labelNames: ['queue', 'state'],
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const [queue, states] of Object.entries(await queueCounts())) {
            for (const [state, count] of Object.entries(states)) this.set({ queue, state }, count);
          }
        },
      });
    }
  }

  /** A counter on this registry, for a service's own series. */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** The exposition text for a scrape. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * `GET /metrics` (Prometheus text format, outside `/v1/` so that it needs no key) and a
 * request-duration histogram per route pattern — the pattern, not the URL, so that ids in
 * paths do not make a series each.
 */
export function metricsRoute(metrics: ServiceMetrics): FastifyPluginAsync {
  return fp(async (app) => {
    const duration = new Histogram({
      name: 'undertow_http_request_duration_seconds',
      help: 'HTTP request duration from arrival to response, by route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [metrics.registry],
    });
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      if (route === '/metrics') return;
      duration.observe({ method: request.method, route, status_code: reply.statusCode }, reply.elapsedTime / 1000);
    });
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const { contentType, body } = await metrics.scrape();
      return reply.type(contentType).send(body);
    });
  });
}
