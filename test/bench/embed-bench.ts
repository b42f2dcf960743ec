/**
 * Embedding throughput: the transformers.js provider against a bare onnxruntime-node session on
 * the same model file, batch size, thread count and texts.
 *
 *   tsx test/bench/embed-bench.ts [--model-dir .cache/models] [--model bert-minilm]
 *       [--tokenizer <dir>] [--dtypes fp32,q8] [--threads 1,2] [--tokens 32,128]
 *       [--texts 256] [--batch-size 32] [--repeat 1] [--json <file>]
 *
 * A missing model is generated first (the `minilm` preset, fp32 and q8; `--tokenizer` copies a
 * real tokenizer such as ../shared/data/tokenizer/all-MiniLM-L6-v2). Its weights are random, so
 * the figures are speed only. Texts are runs of whole-word vocabulary entries, each sized to
 * within ±25% of the target token count (special tokens included).
 *
 * Runners:
 * - `provider`: `loadTransformersProvider(...).embed(texts)` — tokenize, sort by length, bucket,
 *   run, mean-pool, normalise.
 * - `ort-sorted`: the same steps by hand on an `InferenceSession`: what the wrapper costs.
 * - `ort-unsorted`: batches in input order, padded to the longest text in each: what
 *   length bucketing saves.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { AutoTokenizer, env } from '@huggingface/transformers';
import ort from 'onnxruntime-node';
import { loadTransformersProvider, type ModelDtype } from '../../packages/embed/src/index.js';
import { generateBertModel } from '../support/bert-onnx.js';

export interface EmbedBenchOptions {
  modelDir: string;
  modelName: string;
  /** Copied into a generated model; ignored when the model exists. */
  tokenizerDir?: string;
  dtypes: ModelDtype[];
  threads: number[];
  /** Target tokens per text, special tokens included. */
  tokenTargets: number[];
  texts: number;
  batchSize: number;
  /** Timed runs per cell; the best is kept. */
  repeat: number;
  log?: (line: string) => void;
}

export type EmbedBenchRunner = 'provider' | 'ort-sorted' | 'ort-unsorted';

export interface EmbedBenchRow {
  dtype: ModelDtype;
  targetTokens: number;
  meanTokens: number;
  threads: number;
  runner: EmbedBenchRunner;
  texts: number;
  seconds: number;
  postsPerSecond: number;
  /**
   * Posts per second of process CPU time (all threads): unlike wall time it barely moves when
   * other work shares the machine. With one thread it is what an idle core would give.
   */
  postsPerCpuSecond: number;
  /** 1-minute load average when the cell finished: other work on the machine skews timings. */
  loadAverage: number;
}

const MODEL_FILE: Record<ModelDtype, string> = { fp32: 'model.onnx', q8: 'model_quantized.onnx' };
const RUNNERS: EmbedBenchRunner[] = ['provider', 'ort-sorted', 'ort-unsorted'];

export async function runEmbedBench(options: EmbedBenchOptions): Promise<EmbedBenchRow[]> {
  const log = options.log ?? (() => undefined);
  const modelDir = resolve(options.modelDir);
  const modelPath = join(modelDir, options.modelName);
  const missing = options.dtypes.filter((d) => !existsSync(join(modelPath, 'onnx', MODEL_FILE[d])));
  if (missing.length > 0) {
    log(`generating ${modelPath} (minilm preset; missing: ${missing.join(', ')})`);
    await generateBertModel(modelDir, {
      preset: 'minilm',
      modelName: options.modelName,
      tokenizerDir: options.tokenizerDir,
      quantize: options.dtypes.includes('q8'),
    });
  }

  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = modelDir;
  const tokenizer = await AutoTokenizer.from_pretrained(options.modelName, { local_files_only: true });
  const vocabulary = await wholeWords(join(modelPath, 'tokenizer.json'));
  const encode = (text: string): number[] => tokenizer.encode(text);

  const rows: EmbedBenchRow[] = [];
  for (const targetTokens of options.tokenTargets) {
    const texts = makeTexts(options.texts, targetTokens, vocabulary, encode);
    const meanTokens = texts.reduce((sum, t) => sum + encode(t).length, 0) / texts.length;
    for (const dtype of options.dtypes) {
      for (const threads of options.threads) {
        const seconds = await timeRunners({ ...options, modelDir, dtype, threads, texts, encode, padId: tokenizer.pad_token_id ?? 0 });
        for (const runner of RUNNERS) {
          const row: EmbedBenchRow = {
            dtype,
            targetTokens,
            meanTokens: Math.round(meanTokens * 10) / 10,
            threads,
            runner,
            texts: texts.length,
            seconds: Math.round(seconds[runner].wall * 1000) / 1000,
            postsPerSecond: Math.round((texts.length / seconds[runner].wall) * 10) / 10,
            postsPerCpuSecond: Math.round((texts.length / seconds[runner].cpu) * 10) / 10,
            loadAverage: Math.round(loadavg()[0]! * 100) / 100,
          };
          rows.push(row);
          log(
            `${dtype.padEnd(4)} ~${String(targetTokens).padStart(3)} tok (mean ${row.meanTokens})  threads ${threads}  ` +
              `${runner.padEnd(12)} ${String(row.postsPerSecond).padStart(8)} posts/s  ` +
              `${String(row.postsPerCpuSecond).padStart(8)} posts/cpu-s  (${row.seconds} s, load ${row.loadAverage})`,
          );
        }
      }
    }
  }
  return rows;
}

interface RunnerContext {
  modelDir: string;
  modelName: string;
  dtype: ModelDtype;
  threads: number;
  batchSize: number;
  repeat: number;
  texts: string[];
  encode: (text: string) => number[];
  padId: number;
}

interface Runner {
  embedAll: () => Promise<unknown>;
  close: () => Promise<void>;
}

async function openRunner(runner: EmbedBenchRunner, ctx: RunnerContext): Promise<Runner> {
  if (runner === 'provider') {
    const provider = await loadTransformersProvider({
      modelDir: ctx.modelDir,
      modelName: ctx.modelName,
      dtype: ctx.dtype,
      threads: ctx.threads,
      batchSize: ctx.batchSize,
    });
    return { embedAll: () => provider.embed(ctx.texts), close: () => provider.close() };
  }
  const session = await ort.InferenceSession.create(join(ctx.modelDir, ctx.modelName, 'onnx', MODEL_FILE[ctx.dtype]), {
    intraOpNumThreads: ctx.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  return { embedAll: () => embedWithSession(session, ctx, runner === 'ort-sorted'), close: () => session.release() };
}

/**
 * Best of `repeat` timed runs per runner, in wall and CPU seconds (each minimised on its own),
 * after one untimed warm-up each. Runs are interleaved (A B C A B C ...) so that load from
 * elsewhere on the machine hits every runner alike.
 */
async function timeRunners(ctx: RunnerContext): Promise<Record<EmbedBenchRunner, { wall: number; cpu: number }>> {
  const runners: Partial<Record<EmbedBenchRunner, Runner>> = {};
  const best = Object.fromEntries(RUNNERS.map((name) => [name, { wall: Infinity, cpu: Infinity }])) as Record<
    EmbedBenchRunner,
    { wall: number; cpu: number }
  >;
  try {
    for (const name of RUNNERS) {
      const runner = await openRunner(name, ctx);
      runners[name] = runner;
      await runner.embedAll();
    }
    for (let i = 0; i < ctx.repeat; i++) {
      for (const name of RUNNERS) {
        const started = performance.now();
        const cpuBefore = process.cpuUsage();
        await runners[name]!.embedAll();
        const cpu = process.cpuUsage(cpuBefore);
        best[name].wall = Math.min(best[name].wall, (performance.now() - started) / 1000);
        best[name].cpu = Math.min(best[name].cpu, (cpu.user + cpu.system) / 1e6);
      }
    }
    return best;
  } finally {
    for (const runner of Object.values(runners)) await runner.close();
  }
}

async function embedWithSession(session: ort.InferenceSession, ctx: RunnerContext, sortByLength: boolean): Promise<Float32Array[]> {
  const tokenized = ctx.texts.map(ctx.encode);
  const order = tokenized.map((_, i) => i);
  if (sortByLength) order.sort((a, b) => tokenized[a]!.length - tokenized[b]!.length);
  const vectors = new Array<Float32Array>(tokenized.length);
  for (let start = 0; start < order.length; start += ctx.batchSize) {
    const bucket = order.slice(start, start + ctx.batchSize);
    const seq = Math.max(...bucket.map((i) => tokenized[i]!.length));
    const size = bucket.length * seq;
    const ids = new BigInt64Array(size).fill(BigInt(ctx.padId));
    const mask = new BigInt64Array(size);
    bucket.forEach((textIndex, row) => {
      tokenized[textIndex]!.forEach((id, t) => {
        ids[row * seq + t] = BigInt(id);
        mask[row * seq + t] = 1n;
      });
    });
    const dims = [bucket.length, seq];
    const out = await session.run({
      input_ids: new ort.Tensor('int64', ids, dims),
      attention_mask: new ort.Tensor('int64', mask, dims),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(size), dims),
    });
    const state = out.last_hidden_state!;
    const hidden = state.data as Float32Array;
    const width = state.dims[2]!;
    bucket.forEach((textIndex, row) => {
      const vector = new Float32Array(width);
      const length = tokenized[textIndex]!.length;
      for (let t = 0; t < length; t++) {
        const offset = (row * seq + t) * width;
        for (let d = 0; d < width; d++) vector[d] = vector[d]! + hidden[offset + d]!;
      }
      let norm = 0;
      for (let d = 0; d < width; d++) norm += vector[d]! * vector[d]!;
      const scale = 1 / Math.sqrt(norm);
      for (let d = 0; d < width; d++) vector[d] = vector[d]! * scale;
      vectors[textIndex] = vector;
    });
  }
  return vectors;
}

/** Whole-word vocabulary entries, so that a text's token count is close to its word count. */
async function wholeWords(tokenizerPath: string): Promise<string[]> {
  const tokenizer = JSON.parse(await readFile(tokenizerPath, 'utf8')) as { model: { vocab: Record<string, number> } };
  const words = Object.keys(tokenizer.model.vocab).filter((w) => /^[a-z]{3,}$/.test(w));
  if (words.length < 50) throw new Error(`${tokenizerPath} has too few whole words (${words.length}) to build texts from`);
  return words.sort();
}

/** Seeded texts whose token counts spread over ±25% of the target. */
function makeTexts(count: number, targetTokens: number, vocabulary: string[], encode: (text: string) => number[]): string[] {
  let state = 0x9e3779b9 ^ targetTokens;
  const random = (): number => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    state ^= state >>> 13;
    return (state >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => {
    const want = Math.max(3, Math.round(targetTokens * (0.75 + random() * 0.5)));
    const words: string[] = [];
    // Sentences of 6–14 words, so the text looks like prose to the pre-tokenizer.
    while (encode(words.join(' ')).length < want) {
      words.push(vocabulary[Math.floor(random() * vocabulary.length)]!);
      if (words.length % 10 === 0) words[words.length - 1] += '.';
    }
    return words.join(' ');
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'model-dir': { type: 'string', default: '.cache/models' },
      model: { type: 'string', default: 'bert-minilm' },
      tokenizer: { type: 'string' },
      dtypes: { type: 'string', default: 'fp32,q8' },
      threads: { type: 'string', default: '1,2' },
      tokens: { type: 'string', default: '32,128' },
      texts: { type: 'string', default: '256' },
      'batch-size': { type: 'string', default: '32' },
      repeat: { type: 'string', default: '1' },
      json: { type: 'string' },
    },
  });
  const integers = (name: string, value: string): number[] =>
    value.split(',').map((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes positive integers, got ${v}`);
      return n;
    });
  const dtypes = values.dtypes.split(',') as ModelDtype[];
  for (const d of dtypes) if (!(d in MODEL_FILE)) throw new Error(`--dtypes takes fp32 and/or q8, got ${d}`);

  const rows = await runEmbedBench({
    modelDir: values['model-dir'],
    modelName: values.model,
    tokenizerDir: values.tokenizer,
    dtypes,
    threads: integers('threads', values.threads),
    tokenTargets: integers('tokens', values.tokens),
    texts: integers('texts', values.texts)[0]!,
    batchSize: integers('batch-size', values['batch-size'])[0]!,
    repeat: integers('repeat', values.repeat)[0]!,
    log: (line) => console.log(line),
  });
  if (values.json) {
    await mkdir(dirname(values.json), { recursive: true });
    await writeFile(values.json, JSON.stringify(rows, null, 2) + '\n');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
