/**
 * Scale-out: one worker process against two on the same machine, the same backlog of distinct
 * posts through the real scoring path.
 *
 *   tsx test/bench/scale-out-bench.ts [--dtype q8] [--tokens 32] [--posts 512] [--json bench-results/scale-out.json]
 *
 * Configurations: one worker with a model thread per core (the default); one with
 * MODEL_THREADS=1; two workers with one thread each; two with cores/2 each (on 2 cores, the
 * same as the row before, and left out).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { benchTexts, ensureBenchModel, loadTokenCounter, machine, round, type Dtype, type Machine } from './bench-stack.js';
import { WORKER_BATCH_SIZE, timePipeline } from './scoring-bench.js';

export interface ScaleOutBenchOptions {
  dtype: Dtype;
  tokens: number;
  posts: number;
  log?: (line: string) => void;
}

export interface ScaleOutRow {
  workers: number;
  threadsPerWorker: number;
  postsPerSecond: number;
  /** Against one worker with the default MODEL_THREADS (one per core). */
  speedup: number;
}

export interface ScaleOutBenchResult {
  machine: Machine;
  dtype: Dtype;
  targetTokens: number;
  posts: number;
  rows: ScaleOutRow[];
}

export async function runScaleOutBench(options: ScaleOutBenchOptions): Promise<ScaleOutBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const model = await ensureBenchModel(log);
  const tokenizer = await loadTokenCounter(model);
  const all = await benchTexts(model, tokenizer.count, options.posts + WORKER_BATCH_SIZE * 2, options.tokens, 5);
  const warmUp = all.slice(0, WORKER_BATCH_SIZE * 2);
  const texts = all.slice(WORKER_BATCH_SIZE * 2);
  const cores = availableParallelism();
  const configurations = [
    { workers: 1, threadsPerWorker: cores },
    { workers: 1, threadsPerWorker: 1 },
    { workers: 2, threadsPerWorker: 1 },
    { workers: 2, threadsPerWorker: Math.max(1, Math.floor(cores / 2)) },
  ].filter((c, i, all) => all.findIndex((d) => d.workers === c.workers && d.threadsPerWorker === c.threadsPerWorker) === i);
  const rows: ScaleOutRow[] = [];
  for (const { workers, threadsPerWorker } of configurations) {
    const run = await timePipeline(model, { dtype: options.dtype, threads: threadsPerWorker, warmUp, texts, workers });
    const postsPerSecond = texts.length / run.seconds;
    const speedup = rows[0] ? postsPerSecond / rows[0].postsPerSecond : 1;
    rows.push({ workers, threadsPerWorker, postsPerSecond: round(postsPerSecond), speedup: round(speedup, 2) });
    log(`scale-out: ${workers} worker${workers > 1 ? 's' : ''} × ${threadsPerWorker} thread${threadsPerWorker > 1 ? 's' : ''}: ${round(postsPerSecond)} posts/s (× ${round(speedup, 2)})`);
  }
  return { machine: machine(), dtype: options.dtype, targetTokens: options.tokens, posts: texts.length, rows };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dtype: { type: 'string', default: 'q8' },
      tokens: { type: 'string', default: '32' },
      posts: { type: 'string', default: '512' },
      json: { type: 'string', default: 'bench-results/scale-out.json' },
    },
  });
  const result = await runScaleOutBench({ dtype: values.dtype as Dtype, tokens: Number(values.tokens), posts: Number(values.posts) });
  await mkdir(dirname(values.json), { recursive: true });
  await writeFile(values.json, `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
