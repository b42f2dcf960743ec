/**
 * Latency from intake's 202 to the stored score, at half the measured capacity.
 *
 *   tsx test/bench/latency-bench.ts [--dtype q8] [--tokens 32] [--seconds 30] [--json bench-results/latency.json]
 *
 * Intake and a worker run as their own processes on a private Redis and a fresh PostgreSQL
 * schema, with the generated all-MiniLM-L6-v2-shaped model and the leaked memo indexed.
 * 1. Capacity: a backlog of distinct posts is queued through intake while the score queue is
 *    paused, then released; capacity is posts scored per second until it drains.
 * 2. Latency: distinct single-post requests at half that rate, on a fixed schedule (open loop:
 *    a slow answer does not slow the sender down), for `--seconds`. A post's latency runs from
 *    the moment its 202 arrives to the moment BullMQ reports its job completed, which happens
 *    once its micro-batch is stored in PostgreSQL.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { QueueEvents } from 'bullmq';
import { QUEUES, createRedis, postJobId } from '../../packages/queue/src/index.js';
import {
  benchPosts,
  benchTexts,
  ensureBenchModel,
  indexPatterns,
  loadTokenCounter,
  machine,
  percentile,
  round,
  startBenchApi,
  startBenchStack,
  startBenchWorker,
  waitDrained,
  type Dtype,
  type Machine,
} from './bench-stack.js';

export interface LatencyBenchOptions {
  dtype: Dtype;
  tokens: number;
  seconds: number;
  /** Posts in the capacity backlog. */
  capacityPosts: number;
  /** MODEL_THREADS for the worker; default the worker's own default. */
  threads?: number;
  log?: (line: string) => void;
}

export interface LatencyBenchResult {
  machine: Machine;
  dtype: Dtype;
  targetTokens: number;
  capacityPostsPerSecond: number;
  offeredPostsPerSecond: number;
  posts: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Goal: p99 < 1,000 ms. */
  meetsGoal: boolean;
}

export async function runLatencyBench(options: LatencyBenchOptions): Promise<LatencyBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const model = await ensureBenchModel(log);
  const tokenizer = await loadTokenCounter(model);
  const stack = await startBenchStack({ memo: true });
  const eventsConnection = createRedis(stack.redis.url);
  const events = new QueueEvents(QUEUES.score, { connection: eventsConnection, prefix: stack.prefix });
  const env = { MODEL_DIR: model.dir, MODEL_NAME: model.name, MODEL_DTYPE: options.dtype, ...(options.threads ? { MODEL_THREADS: String(options.threads) } : {}) };
  const worker = await startBenchWorker(stack, env);
  const intake = await startBenchApi(stack, 'intake', { INTAKE_MAX_QUEUE_DEPTH: '1000000000' });
  try {
    await events.waitUntilReady();
    await indexPatterns(stack, [worker]);
    const submit = async (body: unknown): Promise<Response> => {
      const response = await fetch(`${intake.url}/v1/posts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.submitterKey}` },
        body: JSON.stringify(body),
      });
      if (response.status !== 202) throw new Error(`intake answered ${response.status}: ${await response.text()}`);
      return response;
    };

    // Capacity, after a warm-up batch.
    const warm = await benchTexts(model, tokenizer.count, 128 + options.capacityPosts, options.tokens, 11);
    await submit({ posts: benchPosts('warmup', warm.slice(0, 128)) });
    await waitDrained(stack, [worker, intake]);
    const score = stack.producer.queues.score;
    await score.pause();
    const backlog = benchPosts('capacity', warm.slice(128));
    for (let i = 0; i < backlog.length; i += 1000) await submit({ posts: backlog.slice(i, i + 1000) });
    const started = performance.now();
    await score.resume();
    await waitDrained(stack, [worker, intake], undefined, 600_000, 20);
    const capacity = backlog.length / ((performance.now() - started) / 1000);
    const offered = capacity / 2;
    log(`latency: capacity ${round(capacity)} posts/s (${options.dtype}, ~${options.tokens} tokens); offering ${round(offered)} posts/s for ${options.seconds} s`);

    // Latency at half capacity.
    const count = Math.max(10, Math.round(offered * options.seconds));
    const posts = benchPosts('latency', await benchTexts(model, tokenizer.count, count, options.tokens, 23));
    const acceptedAt = new Map<string, number>();
    const completedAt = new Map<string, number>();
    events.on('completed', ({ jobId }) => completedAt.set(jobId, performance.now()));
    const sends: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < posts.length; i++) {
      const due = t0 + (i * 1000) / offered;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const post = posts[i]!;
      sends.push(submit(post).then(() => void acceptedAt.set(postJobId(post), performance.now())));
    }
    await Promise.all(sends);
    await waitDrained(stack, [worker, intake], undefined, 120_000, 20);
    // The completed events trail the drain by a moment.
    const deadline = Date.now() + 10_000;
    while (posts.some((p) => !completedAt.has(postJobId(p))) && Date.now() < deadline) await sleep(20);
    const latencies = posts
      .map((p) => {
        const id = postJobId(p);
        const done = completedAt.get(id);
        if (done === undefined) throw new Error(`no completion seen for ${id}`);
        // A job can complete before its 202 is read back; its latency is then nil.
        return Math.max(0, done - acceptedAt.get(id)!);
      })
      .sort((a, b) => a - b);
    const result: LatencyBenchResult = {
      machine: machine(),
      dtype: options.dtype,
      targetTokens: options.tokens,
      capacityPostsPerSecond: round(capacity),
      offeredPostsPerSecond: round(offered),
      posts: posts.length,
      latencyMs: { p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1)!) },
      meetsGoal: percentile(latencies, 99) < 1000,
    };
    log(`latency: ${result.posts} posts at ${result.offeredPostsPerSecond} posts/s: p50 ${result.latencyMs.p50} ms, p90 ${result.latencyMs.p90} ms, p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms`);
    return result;
  } finally {
    await events.close();
    eventsConnection.disconnect();
    await intake.stop();
    await worker.stop();
    await stack.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dtype: { type: 'string', default: 'q8' },
      tokens: { type: 'string', default: '32' },
      seconds: { type: 'string', default: '30' },
      'capacity-posts': { type: 'string', default: '512' },
      threads: { type: 'string' },
      json: { type: 'string', default: 'bench-results/latency.json' },
    },
  });
  const result = await runLatencyBench({
    dtype: values.dtype as Dtype,
    tokens: Number(values.tokens),
    seconds: Number(values.seconds),
    capacityPosts: Number(values['capacity-posts']),
    threads: values.threads ? Number(values.threads) : undefined,
  });
  await mkdir(dirname(values.json), { recursive: true });
  await writeFile(values.json, `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
