/**
 * Scoring throughput: the real worker path against raw onnxruntime-node inference on the same
 * model file, batch size and thread count, in the same run.
 *
 *   tsx test/bench/scoring-bench.ts [--dtypes fp32,q8] [--tokens 32,128] [--threads 1,2]
 *       [--posts 512] [--profile] [--json bench-results/scoring.json]
 *
 * Pipeline: a worker process (`services/worker/dist/main.js`, the generated all-MiniLM-L6-v2-
 * shaped model, the demo's leaked memo indexed as a document pattern) on a private Redis and a
 * fresh PostgreSQL schema. `--posts` distinct posts are queued through the producer intake uses
 * while the score queue is paused; the clock runs from resume until the queue is drained, so
 * every post went BullMQ → micro-batcher → embed (transformers.js) → match → stories → store.
 *
 * Raw: an `InferenceSession` in this process on the same `.onnx` file, with the same intra-op
 * threads, running exactly the model calls the worker makes: the same texts in arrival order,
 * in micro-batches of WORKER_BATCH_SIZE sorted by length, split into calls of the provider's
 * batch size. Only `session.run` (and building its tensors) is timed; tokenizing is timed
 * separately. Runs alternate raw, pipeline, raw, pipeline, raw; each side's best counts.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import {
  benchPosts,
  cpuSeconds,
  benchTexts,
  ensureBenchModel,
  indexPatterns,
  loadTokenCounter,
  machine,
  processMemory,
  round,
  scrapeMetrics,
  startBenchStack,
  startBenchWorker,
  waitDrained,
  type BenchModel,
  type BenchStack,
  type Dtype,
  type Machine,
} from './bench-stack.js';
import { summarizeProfileFile, type ProfileSummary } from './cpu-profile.js';

/** The worker's defaults (packages/config): posts per micro-batch, and texts per model call (packages/embed). */
export const WORKER_BATCH_SIZE = 64;
export const PROVIDER_BATCH_SIZE = 32;

export interface ScoringBenchOptions {
  dtypes: Dtype[];
  tokens: number[];
  threads: number[];
  posts: number;
  /** Pipeline runs per cell, each followed by a raw run (and one raw run before). Default 2. */
  rounds: number;
  /** Also run the first cell once more under `node --cpu-prof` and summarise the profile. */
  profile: boolean;
  /** Where to keep the raw `.cpuprofile`. Default: a temp dir, removed. */
  profileDir?: string;
  log?: (line: string) => void;
}

export interface ScoringCell {
  dtype: Dtype;
  targetTokens: number;
  meanTokens: number;
  threads: number;
  posts: number;
  pipelinePostsPerSecond: number;
  rawPostsPerSecond: number;
  /** Raw inference with tokenizing counted too. */
  rawWithTokenizerPostsPerSecond: number;
  /** pipeline / raw, each the best of its runs; the goal is ≥ 0.8. */
  ratio: number;
  /**
   * CPU milliseconds per post: the worker process and redis-server in the pipeline's best run,
   * and the raw session's. Less sensitive than wall time to other load on the machine.
   */
  cpuMsPerPost: { worker: number; redis: number; raw: number };
  pipelineRuns: number;
  rawRuns: number;
  /** Where the worker's time went, ms per post, from its own stage metrics. */
  stagesMsPerPost: Record<string, number>;
  /** Time in the embedding provider (tokenize, run, pool) per post, ms. */
  modelMsPerPost: number;
  /** Worker memory after the run, MB. */
  workerRssMB: number;
  workerPeakMB: number;
  loadAverage: number;
}

export type ThreadProfile = ProfileSummary & { thread: string };

export interface ScoringBenchResult {
  machine: Machine;
  model: { name: string; tokenizer: string };
  workerBatchSize: number;
  providerBatchSize: number;
  cells: ScoringCell[];
  profile: { cell: string; threads: ThreadProfile[] } | null;
}

export async function runScoringBench(options: ScoringBenchOptions): Promise<ScoringBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const model = await ensureBenchModel(log);
  const tokenizer = await loadTokenCounter(model);
  const cells: ScoringCell[] = [];
  let profile: ScoringBenchResult['profile'] = null;
  for (const targetTokens of options.tokens) {
    // Warm-up texts are distinct from the timed ones, so the timed run meets a cold cache.
    const all = await benchTexts(model, tokenizer.count, options.posts + WORKER_BATCH_SIZE * 2, targetTokens);
    const warmUp = all.slice(0, WORKER_BATCH_SIZE * 2);
    const texts = all.slice(WORKER_BATCH_SIZE * 2);
    const meanTokens = texts.reduce((sum, t) => sum + Math.min(tokenizer.count(t), 256), 0) / texts.length;
    for (const dtype of options.dtypes) {
      for (const threads of options.threads) {
        const calls = modelCalls(texts.map(tokenizer.encode), WORKER_BATCH_SIZE, PROVIDER_BATCH_SIZE);
        // Interleaved (raw, pipeline, raw, …, raw) and the best of each kept, so that load from
        // elsewhere on the machine hits both sides alike and a disturbed run does not count.
        const raws = [await timeRaw(model.path(dtype), threads, calls, tokenizer.padId)];
        let pipeline: PipelineRun | null = null;
        for (let r = 0; r < options.rounds; r++) {
          const run = await timePipeline(model, { dtype, threads, warmUp, texts });
          if (!pipeline || run.seconds < pipeline.seconds) pipeline = run;
          raws.push(await timeRaw(model.path(dtype), threads, calls, tokenizer.padId));
        }
        if (!pipeline) throw new Error('rounds must be at least 1');
        const rawSeconds = Math.min(...raws.map((r) => r.seconds));
        const rawCpuSeconds = Math.min(...raws.map((r) => r.cpuSeconds));
        const tokenizeStarted = performance.now();
        for (const text of texts) tokenizer.encode(text);
        const tokenizeSeconds = (performance.now() - tokenizeStarted) / 1000;
        const cell: ScoringCell = {
          dtype,
          targetTokens,
          meanTokens: round(meanTokens),
          threads,
          posts: texts.length,
          pipelinePostsPerSecond: round(texts.length / pipeline.seconds),
          rawPostsPerSecond: round(texts.length / rawSeconds),
          rawWithTokenizerPostsPerSecond: round(texts.length / (rawSeconds + tokenizeSeconds)),
          ratio: round(rawSeconds / pipeline.seconds, 2),
          cpuMsPerPost: {
            worker: round((pipeline.cpuSeconds.worker * 1000) / texts.length, 2),
            redis: round((pipeline.cpuSeconds.redis * 1000) / texts.length, 2),
            raw: round((rawCpuSeconds * 1000) / texts.length, 2),
          },
          pipelineRuns: options.rounds,
          rawRuns: raws.length,
          stagesMsPerPost: pipeline.stagesMsPerPost,
          modelMsPerPost: pipeline.modelMsPerPost,
          workerRssMB: pipeline.memory.rssMB,
          workerPeakMB: pipeline.memory.peakMB,
          loadAverage: round(loadavg()[0]!, 2),
        };
        cells.push(cell);
        log(
          `scoring ${dtype} ~${targetTokens} tok, ${threads} thread${threads > 1 ? 's' : ''}: pipeline ${cell.pipelinePostsPerSecond} posts/s, ` +
            `raw ORT ${cell.rawPostsPerSecond} (runs: ${raws.map((r) => round(texts.length / r.seconds)).join(' / ')}) → ${cell.ratio}; ` +
            `CPU ms/post: worker ${cell.cpuMsPerPost.worker} + redis ${cell.cpuMsPerPost.redis} vs raw ${cell.cpuMsPerPost.raw}; ` +
            `model ${cell.modelMsPerPost} ms/post, stages ${JSON.stringify(cell.stagesMsPerPost)}; worker RSS ${cell.workerRssMB} MB; load ${cell.loadAverage}`,
        );
        if (options.profile && profile === null) {
          const dir = options.profileDir ?? join(tmpdir(), `undertow-profile-${process.pid}`);
          await rm(dir, { recursive: true, force: true });
          await mkdir(dir, { recursive: true });
          const profiled = await timePipeline(model, { dtype, threads, warmUp, texts, profileDir: dir });
          // One file per thread: CPU.<date>.<time>.<pid>.<thread id>.<n>.cpuprofile; thread 0 is the main thread.
          const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort();
          if (files.length === 0) throw new Error(`the worker wrote no .cpuprofile into ${dir}`);
          const perThread: ThreadProfile[] = [];
          for (const file of files) {
            const threadId = Number(file.split('.').at(-3));
            perThread.push({ thread: threadId === 0 ? 'main thread' : `thread ${threadId} (model)`, ...(await summarizeProfileFile(join(dir, file), 20, profiled.window)) });
          }
          profile = {
            cell: `${dtype}, ~${targetTokens} tokens, MODEL_THREADS=${threads}, ${texts.length} posts, ${round(texts.length / profiled.seconds)} posts/s under the profiler`,
            threads: perThread,
          };
          for (const t of perThread) log(`profile, ${t.thread}: ${t.components.map((c) => `${c.component} ${c.share}%`).join(', ')}`);
          if (!options.profileDir) await rm(dir, { recursive: true, force: true });
        }
      }
    }
  }
  return {
    machine: machine(),
    model: { name: `${model.name} (all-MiniLM-L6-v2 architecture, random weights)`, tokenizer: model.tokenizer },
    workerBatchSize: WORKER_BATCH_SIZE,
    providerBatchSize: PROVIDER_BATCH_SIZE,
    cells,
    profile,
  };
}

/** The model calls the worker makes for these texts: micro-batches in arrival order, sorted by length, split by the provider. */
export function modelCalls(tokenized: number[][], workerBatch: number, providerBatch: number, maxTokens = 256): number[][][] {
  const calls: number[][][] = [];
  for (let start = 0; start < tokenized.length; start += workerBatch) {
    const batch = tokenized.slice(start, start + workerBatch).map((ids) => (ids.length <= maxTokens ? ids : [...ids.slice(0, maxTokens - 1), ids[ids.length - 1]!]));
    batch.sort((a, b) => a.length - b.length);
    for (let i = 0; i < batch.length; i += providerBatch) calls.push(batch.slice(i, i + providerBatch));
  }
  return calls;
}

/** Seconds for the calls on a bare session, after one untimed warm-up call, and the CPU seconds they took. */
export async function timeRaw(modelPath: string, threads: number, calls: number[][][], padId: number): Promise<{ seconds: number; cpuSeconds: number }> {
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  try {
    await runCall(session, calls[0]!, padId);
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (const call of calls) await runCall(session, call, padId);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { seconds, cpuSeconds: (used.user + used.system) / 1e6 };
  } finally {
    await session.release();
  }
}

async function runCall(session: ort.InferenceSession, call: number[][], padId: number): Promise<void> {
  const seq = Math.max(...call.map((ids) => ids.length));
  const size = call.length * seq;
  const ids = new BigInt64Array(size).fill(BigInt(padId));
  const mask = new BigInt64Array(size);
  call.forEach((row, r) => {
    for (let t = 0; t < row.length; t++) {
      ids[r * seq + t] = BigInt(row[t]!);
      mask[r * seq + t] = 1n;
    }
  });
  const dims = [call.length, seq];
  await session.run({
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(size), dims),
  });
}

export interface PipelineRun {
  seconds: number;
  /** The timed run on the monotonic clock, µs, to cut a CPU profile to it. */
  window: { startUs: number; endUs: number };
  /** CPU seconds over the timed run, summed over worker processes, and redis-server's. */
  cpuSeconds: { worker: number; redis: number };
  stagesMsPerPost: Record<string, number>;
  modelMsPerPost: number;
  memory: { rssMB: number; peakMB: number };
}

/** One worker process on a fresh stack: warm up, then time `texts` through the real scoring path. */
export async function timePipeline(
  model: BenchModel,
  run: { dtype: Dtype; threads: number; warmUp: string[]; texts: string[]; profileDir?: string; workers?: number; extraEnv?: Record<string, string> },
): Promise<PipelineRun> {
  const stack = await startBenchStack({ memo: true });
  const workers: Awaited<ReturnType<typeof startBenchWorker>>[] = [];
  try {
    const env = {
      MODEL_DIR: model.dir,
      MODEL_NAME: model.name,
      MODEL_DTYPE: run.dtype,
      MODEL_THREADS: String(run.threads),
      ...run.extraEnv,
    };
    const nodeArgs = run.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${run.profileDir}`] : [];
    for (let i = 0; i < (run.workers ?? 1); i++) workers.push(await startBenchWorker(stack, env, { nodeArgs, label: `worker ${i + 1}` }));
    await indexPatterns(stack, workers);
    const score = stack.producer.queues.score;
    await enqueueAll(stack, benchPosts('warmup', run.warmUp));
    await waitDrained(stack, workers);

    const before = await Promise.all(workers.map((w) => scrapeMetrics(w.metricsUrl)));
    await score.pause();
    await enqueueAll(stack, benchPosts('bench', run.texts));
    const cpuOf = () => ({ worker: workers.reduce((sum, w) => sum + cpuSeconds(w.pid), 0), redis: cpuSeconds(stack.redis.process.pid!) });
    const cpuBefore = cpuOf();
    const micros = () => Number(process.hrtime.bigint() / 1000n);
    const startUs = micros();
    const started = performance.now();
    await score.resume();
    await waitDrained(stack, workers, undefined, 900_000, 20);
    const seconds = (performance.now() - started) / 1000;
    const endUs = micros();
    const cpuAfter = cpuOf();
    const cpu = { worker: cpuAfter.worker - cpuBefore.worker, redis: cpuAfter.redis - cpuBefore.redis };
    const after = await Promise.all(workers.map((w) => scrapeMetrics(w.metricsUrl)));

    const scored = await stack.store.db.query<{ n: string }>(`SELECT count(*) AS n FROM scores s JOIN posts p ON p.id = s.post_id WHERE p.source = 'bench'`);
    if (Number(scored[0]!.n) !== run.texts.length) throw new Error(`expected ${run.texts.length} scored posts, found ${scored[0]!.n}`);

    const delta = (name: string) => after.reduce((sum, series, i) => sum + (series.get(name) ?? 0) - (before[i]!.get(name) ?? 0), 0);
    const stagesMsPerPost: Record<string, number> = {};
    for (const stage of ['persist', 'embed', 'match', 'stories', 'behaviour', 'save', 'reevaluate']) {
      stagesMsPerPost[stage] = round((delta(`undertow_score_stage_seconds_sum{stage="${stage}"}`) * 1000) / run.texts.length, 2);
    }
    const modelMsPerPost = round((delta('undertow_model_seconds_total') * 1000) / run.texts.length, 2);
    const memory = processMemory(workers[0]!.pid);
    return { seconds, window: { startUs, endUs }, cpuSeconds: cpu, stagesMsPerPost, modelMsPerPost, memory };
  } finally {
    for (const worker of workers) await worker.stop();
    await stack.close();
  }
}

async function enqueueAll(stack: BenchStack, posts: Parameters<BenchStack['producer']['enqueuePosts']>[0]): Promise<void> {
  for (let i = 0; i < posts.length; i += 1000) {
    const results = await stack.producer.enqueuePosts(posts.slice(i, i + 1000));
    if (results.some((r) => r.status !== 'queued')) throw new Error('a bench post was not queued');
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dtypes: { type: 'string', default: 'fp32,q8' },
      tokens: { type: 'string', default: '32,128' },
      threads: { type: 'string', default: '1,2' },
      posts: { type: 'string', default: '512' },
      profile: { type: 'boolean', default: false },
      rounds: { type: 'string', default: '2' },
      'profile-dir': { type: 'string' },
      json: { type: 'string', default: 'bench-results/scoring.json' },
    },
  });
  const list = (v: string) => v.split(',').map(Number);
  const result = await runScoringBench({
    dtypes: values.dtypes.split(',') as Dtype[],
    tokens: list(values.tokens),
    threads: list(values.threads),
    posts: Number(values.posts),
    rounds: Number(values.rounds),
    profile: values.profile,
    profileDir: values['profile-dir'],
  });
  await mkdir(dirname(values.json), { recursive: true });
  await writeFile(values.json, `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
