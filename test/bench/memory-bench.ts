/**
 * Worker memory: resident set of a worker process with the all-MiniLM-L6-v2-shaped model
 * loaded, after it has scored a backlog of distinct posts (so ONNX Runtime's arena and the
 * embedding cache hold what a working worker holds).
 *
 *   tsx test/bench/memory-bench.ts [--dtypes fp32,q8] [--tokens 128] [--posts 512] [--json bench-results/memory.json]
 *
 * `npm run bench` takes these figures from its scoring runs instead of running the worker again.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { benchTexts, ensureBenchModel, loadTokenCounter, machine, type Dtype, type Machine } from './bench-stack.js';
import { WORKER_BATCH_SIZE, timePipeline, type ScoringCell } from './scoring-bench.js';

/** Goal: under 600 MB with the model loaded. */
export const MEMORY_GOAL_MB = 600;

export interface MemoryRow {
  dtype: Dtype;
  targetTokens: number;
  threads: number;
  posts: number;
  rssMB: number;
  peakMB: number;
  meetsGoal: boolean;
}

export interface MemoryBenchResult {
  machine: Machine;
  rows: MemoryRow[];
}

/** The memory figures of scoring runs. */
export function memoryFromScoring(cells: readonly ScoringCell[]): MemoryRow[] {
  return cells.map((cell) => ({
    dtype: cell.dtype,
    targetTokens: cell.targetTokens,
    threads: cell.threads,
    posts: cell.posts,
    rssMB: cell.workerRssMB,
    peakMB: cell.workerPeakMB,
    meetsGoal: cell.workerPeakMB < MEMORY_GOAL_MB,
  }));
}

export async function runMemoryBench(options: { dtypes: Dtype[]; tokens: number; posts: number; threads: number; log?: (line: string) => void }): Promise<MemoryBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const model = await ensureBenchModel(log);
  const tokenizer = await loadTokenCounter(model);
  const all = await benchTexts(model, tokenizer.count, options.posts + WORKER_BATCH_SIZE * 2, options.tokens, 3);
  const rows: MemoryRow[] = [];
  for (const dtype of options.dtypes) {
    const run = await timePipeline(model, { dtype, threads: options.threads, warmUp: all.slice(0, WORKER_BATCH_SIZE * 2), texts: all.slice(WORKER_BATCH_SIZE * 2) });
    const row: MemoryRow = {
      dtype,
      targetTokens: options.tokens,
      threads: options.threads,
      posts: options.posts,
      rssMB: run.memory.rssMB,
      peakMB: run.memory.peakMB,
      meetsGoal: run.memory.peakMB < MEMORY_GOAL_MB,
    };
    rows.push(row);
    log(`memory ${dtype}: worker RSS ${row.rssMB} MB after ${row.posts} posts of ~${row.targetTokens} tokens (peak ${row.peakMB} MB)`);
  }
  return { machine: machine(), rows };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dtypes: { type: 'string', default: 'fp32,q8' },
      tokens: { type: 'string', default: '128' },
      posts: { type: 'string', default: '512' },
      threads: { type: 'string', default: '2' },
      json: { type: 'string', default: 'bench-results/memory.json' },
    },
  });
  const result = await runMemoryBench({ dtypes: values.dtypes.split(',') as Dtype[], tokens: Number(values.tokens), posts: Number(values.posts), threads: Number(values.threads) });
  await mkdir(dirname(values.json), { recursive: true });
  await writeFile(values.json, `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
