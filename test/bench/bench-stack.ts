/**
 * What every bench stands on: a private redis-server, a fresh PostgreSQL schema (migrated, with
 * a submitter key and optionally the demo's leaked memo as a document pattern), the built
 * services started as their own processes, and posts made of real vocabulary words sized to a
 * token count.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { PostInput } from '../../packages/core/src/index.js';
import { LEAKED_MEMO, LEAKED_MEMO_TITLE, seededRandom } from '../../packages/cli/src/demo/index.js';
import { Producer, QUEUES, QueueStats, createRedis, type QueueName } from '../../packages/queue/src/index.js';
import { openStore, type Store } from '../../packages/store/src/index.js';
import { generateBertModel } from '../support/bert-onnx.js';
import pg from 'pg';
import { createTestSchema, type TestSchema } from '../support/postgres.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';
import { freePort } from '../support/services.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where `npm run bench` keeps its generated model. */
export const BENCH_MODEL_DIR = resolve(REPO_ROOT, '.cache/models');
export const BENCH_MODEL_NAME = 'bert-minilm';
const SHARED_TOKENIZER = resolve(REPO_ROOT, '../shared/data/tokenizer/all-MiniLM-L6-v2');

export type Dtype = 'fp32' | 'q8';
export const MODEL_FILE: Record<Dtype, string> = { fp32: 'model.onnx', q8: 'model_quantized.onnx' };

export interface BenchModel {
  dir: string;
  name: string;
  /** `real all-MiniLM-L6-v2 tokenizer` or `generated tokenizer`. */
  tokenizer: string;
  path(dtype: Dtype): string;
}

/**
 * The minilm-shaped model under `.cache/models`, generated (fp32 and q8) when absent, with the
 * real all-MiniLM-L6-v2 tokenizer when `../shared` holds it.
 */
export async function ensureBenchModel(log: (line: string) => void): Promise<BenchModel> {
  const modelDir = join(BENCH_MODEL_DIR, BENCH_MODEL_NAME);
  const complete = Object.values(MODEL_FILE).every((file) => existsSync(join(modelDir, 'onnx', file)));
  if (!complete) {
    const tokenizerDir = existsSync(join(SHARED_TOKENIZER, 'tokenizer.json')) ? SHARED_TOKENIZER : undefined;
    log(`generating ${modelDir} (all-MiniLM-L6-v2 architecture, random weights, fp32 and q8; ${tokenizerDir ? 'real tokenizer' : 'generated tokenizer'})…`);
    const started = performance.now();
    await generateBertModel(BENCH_MODEL_DIR, { preset: 'minilm', modelName: BENCH_MODEL_NAME, tokenizerDir, quantize: true });
    log(`  generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const vocab = JSON.parse(readFileSync(join(modelDir, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
  const tokenizer = Object.keys(vocab.model.vocab).length >= 30_000 ? 'real all-MiniLM-L6-v2 tokenizer' : 'generated tokenizer';
  return { dir: BENCH_MODEL_DIR, name: BENCH_MODEL_NAME, tokenizer, path: (dtype) => join(modelDir, 'onnx', MODEL_FILE[dtype]) };
}

// ---------------------------------------------------------------------------------------------
// Texts and posts

/** Counts tokens as the model's tokenizer does (special tokens included). */
export type TokenCounter = (text: string) => number;

export async function loadTokenCounter(model: BenchModel): Promise<{ count: TokenCounter; encode: (text: string) => number[]; padId: number }> {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = model.dir;
  const tokenizer = await AutoTokenizer.from_pretrained(model.name, { local_files_only: true });
  const encode = (text: string): number[] => tokenizer.encode(text);
  return { count: (text) => encode(text).length, encode, padId: tokenizer.pad_token_id ?? 0 };
}

/**
 * `count` distinct texts of whole vocabulary words, each within ±25% of `targetTokens`
 * (special tokens included), as sentences of about ten words. Distinct, so that no cache
 * answers for the model.
 */
export async function benchTexts(model: BenchModel, counter: TokenCounter, count: number, targetTokens: number, seed = 1): Promise<string[]> {
  const tokenizer = JSON.parse(await readFile(join(model.dir, model.name, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
  const words = Object.keys(tokenizer.model.vocab)
    .filter((w) => /^[a-z]{3,}$/.test(w))
    .sort();
  const random = seededRandom(seed * 7919 + targetTokens);
  const texts: string[] = [];
  const seen = new Set<string>();
  while (texts.length < count) {
    const want = Math.max(4, Math.round(targetTokens * (0.75 + random() * 0.5)));
    const picked: string[] = [];
    // Each whole word is one token, give or take; top up until the tokenizer agrees.
    while (picked.length < want - 2) picked.push(words[Math.floor(random() * words.length)]!);
    let text = sentences(picked);
    while (counter(text) < want) {
      picked.push(words[Math.floor(random() * words.length)]!);
      text = sentences(picked);
    }
    while (counter(text) > want && picked.length > 1) {
      picked.pop();
      text = sentences(picked);
    }
    if (seen.has(text)) continue;
    seen.add(text);
    texts.push(text);
  }
  return texts;
}

function sentences(words: string[]): string {
  return words.map((w, i) => (i % 10 === 9 ? `${w}.` : w)).join(' ');
}

const START = Date.parse('2026-10-21T09:00:00Z');

/** A post per text, each by its own author in one of 20 communities, a second apart. */
export function benchPosts(source: string, texts: readonly string[], offset = 0): PostInput[] {
  return texts.map((text, i) => {
    const n = offset + i;
    return {
      source,
      externalId: `${source}-${n}`,
      author: { id: `author-${n % 5000}`, handle: `user${n % 5000}`, createdAt: new Date(START - 86_400_000 * (30 + (n % 300))).toISOString() },
      community: `community-${n % 20}`,
      text,
      createdAt: new Date(START + n * 1000).toISOString(),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The stack

export interface BenchStack {
  redis: PrivateRedis;
  schema: TestSchema;
  store: Store;
  prefix: string;
  /** A submitter key's secret, for intake. */
  submitterKey: string;
  /** Environment for a service process on this stack. */
  env(extra?: Record<string, string>): Record<string, string>;
  producer: Producer;
  queueStats: QueueStats;
  close(): Promise<void>;
}

let privateServer: Promise<PrivatePostgres> | null = null;

/**
 * A fresh schema on the test server (TEST_DATABASE_URL); without one, on a PostgreSQL cluster
 * of this process's own (initdb, stopped when the process exits).
 */
async function benchSchema(): Promise<TestSchema> {
  const schema = await createTestSchema();
  if (schema) return schema;
  privateServer ??= startPrivatePostgres();
  const server = await privateServer;
  const name = `bench_${randomBytes(6).toString('hex')}`;
  const sql = async (statement: string) => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await sql(`CREATE SCHEMA ${name}`);
  return { url: server.url, schema: name, drop: () => sql(`DROP SCHEMA IF EXISTS ${name} CASCADE`) };
}

export async function startBenchStack(options: { memo?: boolean } = {}): Promise<BenchStack> {
  const schema = await benchSchema();
  // No AOF: the production config's `everysec` is not available here, and `always` would
  // measure the disk.
  const redis = await startPrivateRedis({ appendonly: false });
  const store = await openStore({ url: schema.url, schema: schema.schema, poolSize: 4 });
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const { secret } = await store.apiKeys.create({ name: 'bench', role: 'submitter', createdBy: 'bench' });
  if (options.memo) await store.patterns.create({ kind: 'document', name: LEAKED_MEMO_TITLE, text: LEAKED_MEMO, tags: ['T0089'] });
  const connection = createRedis(redis.url);
  const producer = new Producer(connection, prefix);
  const queueStats = new QueueStats(connection, prefix);
  return {
    redis,
    schema,
    store,
    prefix,
    submitterKey: secret,
    producer,
    queueStats,
    env: (extra = {}) => ({
      PATH: process.env['PATH'] ?? '',
      DATABASE_URL: schema.url,
      DATABASE_SCHEMA: schema.schema,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      RESCAN_RECENT_DAYS: '0',
      // The benches measure throughput, not the per-key limits.
      RATE_LIMIT_SUBMITTER: '1000000000',
      ...extra,
    }),
    async close() {
      await queueStats.close();
      await producer.close();
      connection.disconnect();
      await store.db.close();
      await redis.stop();
      await schema.drop();
    },
  };
}

/** Jobs not yet finished on a queue: waiting, active, delayed or prioritized. */
export async function unfinished(stack: Pick<BenchStack, 'queueStats'>, queue: QueueName = QUEUES.score): Promise<{ open: number; failed: number }> {
  const counts = (await stack.queueStats.counts())[queue];
  const open = (counts['waiting'] ?? 0) + (counts['active'] ?? 0) + (counts['delayed'] ?? 0) + (counts['prioritized'] ?? 0);
  return { open, failed: counts['failed'] ?? 0 };
}

/** Waits until a queue holds no unfinished job; fails on a failed job or a dead process. */
export async function waitDrained(stack: Pick<BenchStack, 'queueStats'>, processes: readonly BenchProcess[], queue: QueueName = QUEUES.score, timeoutMs = 600_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { open, failed } = await unfinished(stack, queue);
    if (failed > 0) throw new Error(`${failed} ${queue} jobs failed`);
    if (open === 0) return;
    for (const p of processes) if (p.exited()) throw new Error(`${p.name} exited:\n${p.output()}`);
    if (Date.now() > deadline) throw new Error(`${queue} queue not drained after ${timeoutMs} ms (${open} open)`);
    await sleep(everyMs);
  }
}

export interface BenchProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

/**
 * Starts a built service (`services/<name>/dist/main.js`) as its own process. `nodeArgs` go
 * before the script (e.g. `--cpu-prof`).
 */
export function startBenchService(name: 'intake' | 'worker' | 'results', env: Record<string, string>, nodeArgs: string[] = [], label: string = name): BenchProcess {
  const script = join(REPO_ROOT, 'services', name, 'dist', 'main.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npx tsc -b\` (npm run bench does)`);
  const child = spawn(process.execPath, [...nodeArgs, script], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    name: label,
    child,
    pid: child.pid!,
    output: () => output,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A worker process on the stack; resolves once its metrics endpoint answers (model loaded, queues open). */
export async function startBenchWorker(
  stack: BenchStack,
  env: Record<string, string>,
  options: { nodeArgs?: string[]; label?: string } = {},
): Promise<BenchProcess & { metricsUrl: string }> {
  const port = await freePort();
  const worker = startBenchService('worker', stack.env({ WORKER_METRICS_PORT: String(port), ...env }), options.nodeArgs, options.label ?? 'worker');
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (worker.exited()) throw new Error(`worker exited:\n${worker.output()}`);
    try {
      if ((await fetch(metricsUrl)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`worker not ready in 120 s:\n${worker.output()}`);
    await sleep(100);
  }
  return Object.assign(worker, { metricsUrl });
}

/** An HTTP service on the stack; resolves once `/readyz` answers 200. */
export async function startBenchApi(
  stack: BenchStack,
  name: 'intake' | 'results',
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<BenchProcess & { url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = startBenchService(name, stack.env({ [name === 'intake' ? 'INTAKE_PORT' : 'RESULTS_PORT']: String(port), ...env }), nodeArgs);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (service.exited()) throw new Error(`${name} exited:\n${service.output()}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} not ready in 60 s:\n${service.output()}`);
    await sleep(100);
  }
  return Object.assign(service, { url });
}

/** Queues the pattern's indexing (as the results API does) and waits for the worker to finish it. */
export async function indexPatterns(stack: BenchStack, workers: readonly BenchProcess[]): Promise<void> {
  for (const pattern of await stack.store.patterns.list({})) {
    if (pattern.kind === 'behaviour') continue;
    await stack.producer.enqueuePatternIndex(pattern.id, pattern.version);
  }
  await waitDrained(stack, workers, QUEUES.patterns, 300_000, 100);
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** Resident and peak resident memory of a process, in MB. */
export function processMemory(pid: number): { rssMB: number; peakMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMB: Math.round(kb('VmRSS') / 102.4) / 10, peakMB: Math.round(kb('VmHWM') / 102.4) / 10 };
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Parses a Prometheus text exposition into `name{labels}` → value. */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const at = line.lastIndexOf(' ');
    // The `service` label is on every series; dropping it keeps the keys short.
    const key = line
      .slice(0, at)
      .replace(/service="[^"]*",?/, '')
      .replace(/,}/, '}')
      .replace('{}', '');
    series.set(key, Number(line.slice(at + 1)));
  }
  return series;
}

export interface Machine {
  cpus: number;
  model: string;
  node: string;
  loadAverage: number;
}

export function machine(): Machine {
  return { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version, loadAverage: round(loadavg()[0]!, 2) };
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export { QUEUES };
