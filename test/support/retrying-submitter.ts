import { setTimeout as sleep } from 'node:timers/promises';
import type { PostInput } from '@undertow/core';

/**
 * What a careful client of the intake API does: sends posts in batches and, when a batch gets
 * no answer (connection refused or reset, a timeout), a 5xx or a 429, sends the same batch
 * again, after the Retry-After the answer names, if any. Intake is idempotent on (source,
 * externalId), so a retry of a batch that was in fact accepted answers `duplicate` for its
 * posts and creates nothing.
 */
export interface SubmitOptions {
  /** Posts per request. Default 50. */
  batchSize?: number;
  /** Requests in flight at once. Default 2. */
  concurrency?: number;
  /** Headers on every request (an API key). */
  headers?: Record<string, string>;
  /** A request with no answer after this long is abandoned and retried. Default 5,000 ms. */
  requestTimeoutMs?: number;
  /** Give up on a batch after this long. Default 120,000 ms. */
  giveUpAfterMs?: number;
  /** Wait this long between a worker's batches, to pace a stream. Default 0. */
  pauseMs?: number;
  /** Called after each batch is answered. */
  onBatch?: (done: number) => void;
}

export interface SubmitReport {
  sent: number;
  /** Posts intake answered `queued` for, or `duplicate` on a retry: it holds them. */
  accepted: Set<string>;
  queued: number;
  duplicates: number;
  /** Requests sent again, by cause. */
  retries: Record<string, number>;
}

export class SubmitError extends Error {}

export async function submitWithRetries(baseUrl: string, posts: readonly PostInput[], options: SubmitOptions = {}): Promise<SubmitReport> {
  const batchSize = options.batchSize ?? 50;
  const batches: PostInput[][] = [];
  for (let i = 0; i < posts.length; i += batchSize) batches.push(posts.slice(i, i + batchSize));
  const report: SubmitReport = { sent: posts.length, accepted: new Set(), queued: 0, duplicates: 0, retries: {} };
  const retried = (cause: string): void => {
    report.retries[cause] = (report.retries[cause] ?? 0) + 1;
  };
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      await sendBatch(baseUrl, batch, options, report, retried);
      options.onBatch?.(++done);
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, lane));
  return report;
}

async function sendBatch(
  baseUrl: string,
  batch: PostInput[],
  options: SubmitOptions,
  report: SubmitReport,
  retried: (cause: string) => void,
): Promise<void> {
  const deadline = Date.now() + (options.giveUpAfterMs ?? 120_000);
  const body = JSON.stringify({ posts: batch });
  let backoff = 100;
  for (;;) {
    if (Date.now() > deadline) throw new SubmitError(`gave up on a batch starting at ${batch[0]?.externalId} after ${options.giveUpAfterMs ?? 120_000} ms`);
    let response: Response;
    let text: string;
    try {
      response = await fetch(new URL('/v1/posts', baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body,
        signal: AbortSignal.timeout(options.requestTimeoutMs ?? 5_000),
      });
      text = await response.text();
    } catch (error) {
      retried(networkCause(error));
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 2_000);
      continue;
    }
    const retryAfter = response.headers.get('retry-after');
    if (response.status === 429 || (response.status === 503 && retryAfter !== null)) {
      retried(String(response.status));
      await sleep(Number(retryAfter ?? 1) * 1000);
      continue;
    }
    if (response.status >= 500) {
      retried(String(response.status));
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 2_000);
      continue;
    }
    if (response.status !== 202) throw new SubmitError(`intake answered ${response.status}: ${text.slice(0, 500)}`);
    const answer = JSON.parse(text) as { items: { status: string; externalId?: string; errors?: unknown }[] };
    answer.items.forEach((item, i) => {
      const post = batch[i]!;
      if (item.status === 'rejected') throw new SubmitError(`intake rejected ${post.externalId}: ${JSON.stringify(item.errors)}`);
      if (item.status === 'queued') report.queued++;
      else report.duplicates++;
      report.accepted.add(post.externalId);
    });
    return;
  }
}

function networkCause(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timeout';
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? 'network';
}
