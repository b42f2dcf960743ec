import type { FastifyInstance } from 'fastify';
import { ServiceMetrics } from '@undertow/http';
import type { QueueStats } from '@undertow/queue';

/** The intake's registry: process, HTTP and queue-depth series, and posts by outcome. */
export function intakeMetrics(queues: Pick<QueueStats, 'counts'>): ServiceMetrics {
  return new ServiceMetrics({ service: 'intake', queueCounts: () => queues.counts() });
}

/**
 * Counts submitted posts by outcome (`queued`, `duplicate`, `rejected`) from each 202 answer
 * of `POST /v1/posts`, so that `rate(undertow_intake_posts_total[1m])` is posts accepted per
 * second whatever the batch sizes.
 */
export function countSubmittedPosts(app: FastifyInstance, metrics: ServiceMetrics): void {
  const posts = metrics.counter('undertow_intake_posts_total', 'Posts submitted to POST /v1/posts, by outcome.', ['status']);
  app.addHook('preSerialization', async (request, reply, payload: unknown) => {
    if (reply.statusCode !== 202 || request.routeOptions.url !== '/v1/posts' || request.method !== 'POST') return payload;
    const answer = payload as { accepted?: number; duplicates?: number; rejected?: number };
    if (answer.accepted) posts.inc({ status: 'queued' }, answer.accepted);
    if (answer.duplicates) posts.inc({ status: 'duplicate' }, answer.duplicates);
    if (answer.rejected) posts.inc({ status: 'rejected' }, answer.rejected);
    return payload;
  });
}
