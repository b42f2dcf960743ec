/**
 * Rescan throughput: how fast stored history is re-scored when a new document pattern arrives.
 *
 *   tsx --conditions=source test/bench/rescan-bench.ts [--posts 1000000] [--carriers 1000]
 *       [--distinct 50000] [--workers 2] [--concurrency 2] [--chunk 5000] [--keep] [--json <file>]
 *
 * On the PostgreSQL server at DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), in
 * a fresh schema dropped afterwards:
 * 1. stores `--posts` posts with their scores, set-based (INSERT … SELECT over generate_series):
 *    `--distinct` different everyday texts, reposted many times each as real feeds are, plus
 *    `--carriers` posts that quote edited passages of a leaked memo, dated in 2016 like a
 *    replayed archive. Texts, hashes and MinHash signatures are computed by the real code.
 * 2. starts `--workers` worker processes (the real worker, `MODEL=none`) on a private Redis;
 * 3. adds the memo as a document pattern and queues its indexing, as the results API does: the
 *    worker indexes it and starts the automatic rescan of the last 30 days of posts, which
 *    covers every stored post;
 * 4. waits for the rescan to complete and reports posts per second, where the time went (summed
 *    over chunks) and whether exactly the carriers were flagged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { LEAKED_MEMO, LEAKED_MEMO_TITLE, editedQuote, memoParagraphs, seededRandom, unrelatedText } from '../../packages/cli/src/demo/index.js';
import { PatternIndex, postFeatures, type PostFeatures } from '../../packages/detect/src/index.js';
import { Producer, createRedis } from '../../packages/queue/src/index.js';
import { openStore, type Database } from '../../packages/store/src/index.js';
import { startPrivateRedis } from '../support/redis-server.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RescanBenchOptions {
  databaseUrl: string;
  posts: number;
  carriers: number;
  distinct: number;
  workers: number;
  /** Chunks each worker checks at once. */
  concurrency: number;
  chunkSize: number;
  /** Leave the schema in place for inspection. */
  keep: boolean;
  log?: (line: string) => void;
}

export interface RescanBenchResult {
  /** 1-minute load averages when the rescan started and ended: other work on the machine skews the figures. */
  machine: { cpus: number; model: string; loadAverageBefore: number; loadAverageAfter: number };
  options: Omit<RescanBenchOptions, 'log' | 'databaseUrl'>;
  generateSeconds: number;
  /** Pattern created → indexed → rescan planned and queued → first chunk started. */
  startSeconds: number;
  /** First chunk started → last chunk done. */
  rescanSeconds: number;
  postsPerSecond: number;
  total: number;
  done: number;
  newlyFlagged: number;
  carriersFlagged: number;
  otherPostsFlagged: number;
  /** Posts live scoring would flag: the same code run on every distinct text, then counted over the posts that carry it. */
  expectedFlagged: number;
  /** Whether the flagged posts are exactly those. */
  matchesLiveScoring: boolean;
  chunks: number;
  chunksRetried: number;
  /** Milliseconds summed over chunks (chunks run in parallel, so these add up to more than the wall time). */
  stages: { readMs: number; matchMs: number; scoreMs: number; writeMs: number };
  candidates: number;
}

export const DEFAULT_RESCAN_BENCH: Omit<RescanBenchOptions, 'databaseUrl'> = {
  posts: 1_000_000,
  carriers: 1_000,
  distinct: 50_000,
  workers: 2,
  concurrency: 2,
  chunkSize: 5_000,
  keep: false,
};

export async function runRescanBench(options: RescanBenchOptions): Promise<RescanBenchResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const schema = `bench_rescan_${randomBytes(4).toString('hex')}`;
  const store = await openStore({ url: options.databaseUrl, schema, poolSize: 4 });
  const redis = await startPrivateRedis({ appendonly: false });
  const workers: ChildProcess[] = [];
  const prefix = `bench-${schema}`;
  try {
    log(`schema ${schema}: storing ${options.posts.toLocaleString('en')} posts (${options.distinct.toLocaleString('en')} distinct texts, ${options.carriers} quoting the memo)…`);
    const generated = performance.now();
    const { carrierIds, texts } = await storeHistory(store.db, options);
    const generateSeconds = (performance.now() - generated) / 1000;
    log(`  stored in ${generateSeconds.toFixed(1)} s`);

    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      DATABASE_URL: options.databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      MODEL: 'none',
      LOG_LEVEL: 'warn',
      RESCAN_CHUNK_SIZE: String(options.chunkSize),
      RESCAN_CONCURRENCY: String(options.concurrency),
      RESCAN_RECENT_DAYS: '30',
      // Several workers on one machine: each serves its metrics on a port of its own.
      WORKER_METRICS_PORT: '0',
    };
    for (let i = 0; i < options.workers; i++) workers.push(startWorker(env));
    // Workers are up once they have opened their queues; a queued job waits for them anyway.
    await sleep(2000);

    // The machine may be shared: the load when the rescan starts and ends says how much.
    const loadAverageBefore = loadavg()[0]!;
    log(`adding "${LEAKED_MEMO_TITLE}" as a document pattern; the worker indexes it and rescans the last 30 days…`);
    const pattern = await store.patterns.create({ kind: 'document', name: LEAKED_MEMO_TITLE, text: LEAKED_MEMO, tags: ['T0089'] });
    const queue = createRedis(redis.url);
    const producer = new Producer(queue, prefix);
    await producer.enqueuePatternIndex(pattern.id, pattern.version);
    await producer.close();
    queue.disconnect();

    let rescanId: string | null = null;
    let lastLine = 0;
    for (;;) {
      await sleep(500);
      for (const worker of workers) if (worker.exitCode !== null) throw new Error(`a worker exited with ${worker.exitCode}`);
      rescanId ??= (await store.rescans.list({ limit: 1 }))[0]?.id ?? null;
      if (rescanId === null) continue;
      const rescan = (await store.rescans.get(rescanId))!;
      if (performance.now() - lastLine > 5000) {
        lastLine = performance.now();
        log(`  ${rescan.state}: ${rescan.done.toLocaleString('en')} / ${rescan.total.toLocaleString('en')} posts, ${rescan.rate === null ? '–' : Math.round(rescan.rate).toLocaleString('en')} posts/s, newly flagged ${rescan.newlyFlagged}`);
      }
      if (rescan.state === 'running' || rescan.state === 'queued') continue;
      if (rescan.state !== 'completed') throw new Error(`the rescan ended ${rescan.state}: ${rescan.error}`);
      break;
    }
    const rescan = (await store.rescans.get(rescanId))!;
    const chunks = await store.rescans.chunks(rescanId);
    const rescanSeconds = (Date.parse(rescan.finishedAt!) - Date.parse(rescan.startedAt!)) / 1000;
    const startSeconds = (Date.parse(rescan.startedAt!) - Date.parse(pattern.createdAt)) / 1000;
    const flagged = await store.db.query<{ post_id: string }>(`SELECT post_id FROM flags WHERE pattern_id = $1`, [pattern.id]);
    const carriersFlagged = flagged.filter((f) => carrierIds.has(f.post_id)).length;
    // What live scoring gives each distinct text against the indexed pattern, then which posts carry those texts.
    const live = new PatternIndex({ patterns: [(await store.patterns.get(pattern.id))!], passages: await store.patterns.passages(pattern.id) });
    const expectedHashes = texts.filter((t) => live.score(t).some((p) => p.tier !== 'none')).map((t) => t.textHash);
    const [expected] = await store.db.query<{ posts: string; flagged: string }>(
      `SELECT (SELECT count(*) FROM posts WHERE text_hash = ANY($1::text[])) AS posts,
              (SELECT count(*) FROM flags f JOIN posts p ON p.id = f.post_id WHERE f.pattern_id = $2 AND p.text_hash = ANY($1::text[])) AS flagged`,
      [expectedHashes, pattern.id],
    );
    const sum = (key: string) => chunks.reduce((n, c) => n + (c.stats?.[key] ?? 0), 0);
    const result: RescanBenchResult = {
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadAverageBefore, loadAverageAfter: loadavg()[0]! },
      options: { posts: options.posts, carriers: options.carriers, distinct: options.distinct, workers: options.workers, concurrency: options.concurrency, chunkSize: options.chunkSize, keep: options.keep },
      generateSeconds: round(generateSeconds),
      startSeconds: round(startSeconds),
      rescanSeconds: round(rescanSeconds),
      postsPerSecond: Math.round(rescan.done / rescanSeconds),
      total: rescan.total,
      done: rescan.done,
      newlyFlagged: rescan.newlyFlagged,
      carriersFlagged,
      otherPostsFlagged: flagged.length - carriersFlagged,
      expectedFlagged: Number(expected!.posts),
      matchesLiveScoring: Number(expected!.posts) === flagged.length && Number(expected!.flagged) === flagged.length,
      chunks: chunks.length,
      chunksRetried: chunks.filter((c) => c.attempts > 1).length,
      stages: { readMs: sum('readMs'), matchMs: sum('matchMs'), scoreMs: sum('scoreMs'), writeMs: sum('writeMs') },
      candidates: sum('candidates'),
    };
    log(
      `rescan ${rescan.state}: ${rescan.done.toLocaleString('en')} posts in ${rescanSeconds.toFixed(1)} s = ${result.postsPerSecond.toLocaleString('en')} posts/s ` +
        `(${startSeconds.toFixed(1)} s from pattern creation to the first chunk); flagged ${carriersFlagged} of ${options.carriers} carriers, ${result.otherPostsFlagged} other posts; ` +
        `live scoring flags ${result.expectedFlagged}: ${result.matchesLiveScoring ? 'the same posts' : 'NOT the same posts'}`,
    );
    log(`  summed over ${chunks.length} chunks: read ${result.stages.readMs} ms, match ${result.stages.matchMs} ms, score ${result.stages.scoreMs} ms (${result.candidates} candidates), write ${result.stages.writeMs} ms`);
    return result;
  } finally {
    await Promise.all(workers.map(stopWorker));
    await redis.stop();
    if (!options.keep) await store.db.query(`DROP SCHEMA ${schema} CASCADE`);
    await store.db.close();
  }
}

/**
 * Stores the history set-based: the distinct texts and the carriers go into a pool table with
 * their real features, then one INSERT … SELECT over generate_series writes the posts and one
 * more their scores (no pattern matched them when they arrived). Answers the carriers' post ids.
 */
async function storeHistory(db: Database, options: RescanBenchOptions): Promise<{ carrierIds: Set<string>; texts: PostFeatures[] }> {
  const query = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => db.query<T>(sql, params);
  const random = seededRandom(2016);
  const paragraphs = memoParagraphs();
  const texts: string[] = [];
  for (let i = 0; i < options.distinct; i++) texts.push(`${unrelatedText(random)} ${unrelatedText(random)}`);
  for (let i = 0; i < options.carriers; i++) texts.push(editedQuote(paragraphs[i % paragraphs.length]!, random));
  const features = texts.map((text) => postFeatures(text));
  await query(`CREATE UNLOGGED TABLE bench_pool (n int PRIMARY KEY, text text NOT NULL, text_hash text NOT NULL, minhash bytea)`);
  const batch = 10_000;
  for (let from = 0; from < texts.length; from += batch) {
    const slice = texts.slice(from, from + batch);
    await query(
      `INSERT INTO bench_pool SELECT n, text, text_hash, decode(minhash, 'hex') FROM unnest($1::int[], $2::text[], $3::text[], $4::text[]) AS t(n, text, text_hash, minhash)`,
      [
        slice.map((_, i) => from + i),
        slice,
        slice.map((_, i) => features[from + i]!.textHash),
        slice.map((_, i) => Buffer.from(features[from + i]!.minhash!.buffer).toString('hex')),
      ],
    );
  }
  // Every stride-th post is a carrier; the rest cycle through the everyday texts.
  const stride = Math.max(1, Math.floor(options.posts / Math.max(1, options.carriers)));
  await query(
    `INSERT INTO posts (source, external_id, author_id, community, text, created_at, text_hash, minhash)
     SELECT 'bench', 'p' || g, 'a' || (g % 50000), 'c' || (g % 200), bp.text,
            timestamptz '2016-10-01 00:00:00+00' + g * interval '1 second', bp.text_hash, bp.minhash
     FROM generate_series(1, $1::int) g
     JOIN bench_pool bp ON bp.n = CASE WHEN g % $2 = 0 AND g / $2 <= $3 THEN $4 + g / $2 - 1 ELSE ((g::bigint * 7919) % $4)::int END`,
    [options.posts, stride, options.carriers, options.distinct],
  );
  await query(
    `INSERT INTO scores (post_id, value, tier, patterns, versions, model, scored_at)
     SELECT id, 0, 'none', '[]', '{"model": "none", "scorer": "detect@1", "patterns": {}}', 'none', now() FROM posts`,
  );
  await query(`ANALYZE posts`);
  await query(`ANALYZE scores`);
  const carriers = await query<{ id: string }>(`SELECT p.id FROM posts p JOIN bench_pool bp ON bp.text_hash = p.text_hash WHERE bp.n >= $1`, [options.distinct]);
  await query(`DROP TABLE bench_pool`);
  return { carrierIds: new Set(carriers.map((c) => c.id)), texts: features };
}

function startWorker(env: Record<string, string>): ChildProcess {
  // The worker's own source through tsx, so that the bench needs no build.
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', 'services/worker/src/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
  return child;
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  await exited;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      posts: { type: 'string' },
      carriers: { type: 'string' },
      distinct: { type: 'string' },
      workers: { type: 'string' },
      concurrency: { type: 'string' },
      chunk: { type: 'string' },
      keep: { type: 'boolean', default: false },
      json: { type: 'string', default: 'bench-results/rescan-bench.json' },
    },
  });
  const int = (value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got ${value}`);
    return n;
  };
  const result = await runRescanBench({
    databaseUrl: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
    posts: int(values.posts, DEFAULT_RESCAN_BENCH.posts),
    carriers: int(values.carriers, DEFAULT_RESCAN_BENCH.carriers),
    distinct: int(values.distinct, DEFAULT_RESCAN_BENCH.distinct),
    workers: int(values.workers, DEFAULT_RESCAN_BENCH.workers),
    concurrency: int(values.concurrency, DEFAULT_RESCAN_BENCH.concurrency),
    chunkSize: int(values.chunk, DEFAULT_RESCAN_BENCH.chunkSize),
    keep: values.keep,
  });
  const file = resolve(REPO_ROOT, values.json);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`);
  process.stdout.write(`figures written to ${values.json}\n`);
}
