/**
 * Soak: `npm run soak -- --minutes 10`.
 *
 * Starts the product as an operator runs it — results, intake and a worker as separate
 * processes on a private redis-server (AOF) and a private PostgreSQL cluster — measures its
 * capacity (posts scored per second with intake kept full), then sends posts at a fixed share
 * of that capacity (`--load`, default 0.8) for `--minutes`, sampling every process's memory,
 * the queue depth and the scoring lag. At the end it reconciles in the database: every post
 * intake accepted is stored and scored exactly once. It fails (exit 1) on any loss or
 * duplicate, or (in soaks of 5 minutes or more) on memory that keeps growing; a backlog that
 * keeps growing is reported as a warning.
 *
 * Options: --minutes N (10), --load F (0.8), --capacity-seconds N (60), --model none|tiny,
 * --workers N (1), --out FILE (figures as JSON; default: a temp file). `tiny` runs a generated
 * BERT-shaped ONNX model on every post; its random weights find every text similar to every
 * passage, so stories grow without bound and the run measures that, not steady operation.
 * `none` (lexical and behaviour signals) is the default.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { PostInput } from '@undertow/core';
import { editedQuote, memoParagraphs, seededRandom } from '@undertow/cli';
import { countScored, reconcile, startFaultStack, waitForDrain, type FaultStack } from '../faults/fault-stack.js';
import { ensureTinyModel } from '../support/model-fixture.js';
import { submitWithRetries, type SubmitReport } from '../support/retrying-submitter.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    load: { type: 'string', default: '0.8' },
    'capacity-seconds': { type: 'string', default: '60' },
    model: { type: 'string', default: 'none' },
    workers: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});
const minutes = Number(args.minutes);
const load = Number(args.load);
const capacitySeconds = Number(args['capacity-seconds']);
const workers = Number(args.workers);
if (!(minutes > 0) || !(load > 0 && load <= 1) || !(capacitySeconds >= 10) || !(workers >= 1) || !['tiny', 'none'].includes(args.model)) {
  console.error('usage: soak [--minutes N>0] [--load 0<F<=1] [--capacity-seconds N>=10] [--model tiny|none] [--workers N>=1] [--out FILE]');
  process.exit(2);
}
const out = args.out ?? join(tmpdir(), `undertow-soak-${Date.now()}.json`);

const SOURCE = 'soak';
const BATCH = 100;
/** Samples before this share of the soak are warm-up: caches and pools still filling. */
const WARM_UP = 0.25;
/** Shorter soaks report memory but do not judge it. */
const JUDGE_MEMORY_MINUTES = 5;

interface Sample {
  atS: number;
  sent: number;
  accepted: number;
  scored: number;
  waiting: number;
  rssMB: Record<string, number>;
  /** V8 heap in use, from each API's /metrics: a leak grows it; RSS also grows as V8 reserves. */
  heapMB: Record<string, number>;
  redisMB: number;
}

const WORDS = `river morning council budget school garden library station market weather bridge harbour
festival league train bakery museum hospital winter summer election village county ferry coffee
bicycle football cinema theatre orchestra recipe lentil tomato strawberry harvest rainfall lighthouse
teacher student nurse driver farmer painter author reader runner climber sailor neighbour volunteer
opened closed delayed finished started cancelled moved painted repaired announced visited cooked read
wrote played sang won lost planted watered built crossed bought sold found missed caught watched
quietly early late slowly finally again today yesterday tonight weekend everyone nobody somebody
new old quiet busy bright cold warm wet dry long short small large local annual weekly free open
north south east west upper lower central coastal inland rural urban historic modern wooden stone`
  .split(/\s+/)
  .filter(Boolean);

/**
 * The soak's stream, post by post, the same every run: everyday posts of random words (so
 * they share no material and form no stories), 1% quoting the memo from burner accounts, and
 * 3% taking part in short coordinated campaigns (a new text every 1,000 posts, posted by young
 * accounts), so that content, story and behaviour flags are all raised at a steady rate.
 */
function postSource(): (n: number) => PostInput {
  const random = seededRandom(11);
  const paragraphs = memoParagraphs();
  const start = Date.parse('2026-10-21T09:00:00Z');
  const words = (count: number) => Array.from({ length: count }, () => WORDS[Math.floor(random() * WORDS.length)]!).join(' ');
  let campaign = '';
  return (n) => {
    const createdAt = new Date(start + n * 1_000).toISOString();
    const young = new Date(start + n * 1_000 - 2 * 86_400_000).toISOString();
    if (n % 1_000 === 0) campaign = words(25);
    const roll = random();
    const common = { source: SOURCE, externalId: `soak-${String(n).padStart(8, '0')}`, createdAt };
    if (roll < 0.01) {
      const text = editedQuote(paragraphs[Math.floor(random() * paragraphs.length)]!, random);
      return { ...common, author: { id: `burner-${n}`, createdAt: young, followers: 2 }, community: `r/c${n % 7}`, text };
    }
    if (roll < 0.04) {
      const text = campaign.split(' ').filter(() => random() > 0.05).join(' ');
      return { ...common, author: { id: `campaign-${n}`, createdAt: young, followers: 5 }, community: `r/c${n % 11}`, text };
    }
    const author = Math.floor(random() * 5_000);
    return { ...common, author: { id: `user-${author}`, createdAt: '2015-03-01T00:00:00Z', followers: 100 + author }, community: `r/c${author % 50}`, text: `${words(20 + Math.floor(random() * 20))} #${n.toString(36)}` };
  };
}

function rssMB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 102.4) / 10;
  } catch {
    return 0;
  }
}

async function heapUsedMB(baseUrl: string): Promise<number> {
  try {
    const body = await (await fetch(new URL('/metrics', baseUrl), { signal: AbortSignal.timeout(2_000) })).text();
    return Math.round(Number(/^undertow_nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)$/m.exec(body)?.[1] ?? 0) / 104857.6) / 10;
  } catch {
    return 0;
  }
}

async function redisUsedMB(stack: FaultStack): Promise<number> {
  const { createRedis } = await import('@undertow/queue');
  const redis = createRedis(stack.redis.url);
  try {
    const info = await redis.info('memory');
    return Math.round(Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0) / 104857.6) / 10;
  } finally {
    redis.disconnect();
  }
}

/** Merges one batch's answers into the run's report. */
function merge(report: SubmitReport, batch: SubmitReport): void {
  for (const id of batch.accepted) report.accepted.add(id);
  report.queued += batch.queued;
  report.duplicates += batch.duplicates;
  for (const [cause, count] of Object.entries(batch.retries)) report.retries[cause] = (report.retries[cause] ?? 0) + count;
}

/**
 * Keeps the workers busy for `durationS`: four clients send batches back to back while fewer
 * than `FULL_QUEUE` posts wait, so the queue never runs dry and the backlog stays drainable.
 */
async function flood(stack: FaultStack, makePost: (n: number) => PostInput, durationS: number, report: SubmitReport, sent: { n: number }): Promise<void> {
  const FULL_QUEUE = 5_000;
  const until = Date.now() + durationS * 1000;
  const lane = async (): Promise<void> => {
    while (Date.now() < until) {
      const jobs = await stack.scoreJobs();
      if (jobs['waiting']! + jobs['prioritized']! > FULL_QUEUE) {
        await sleep(100);
        continue;
      }
      const from = sent.n;
      sent.n += BATCH;
      const posts = Array.from({ length: BATCH }, (_, i) => makePost(from + i));
      merge(report, await submitWithRetries(stack.intakeUrl, posts, { headers: stack.headers, batchSize: BATCH, concurrency: 1 }));
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
}

/** Sends posts from `from` on at `perSecond`, in batches, retrying like a careful client. */
async function sendAtRate(stack: FaultStack, makePost: (n: number) => PostInput, from: number, perSecond: number, durationS: number, report: SubmitReport, sent: { n: number }): Promise<void> {
  const began = Date.now();
  const inFlight = new Set<Promise<void>>();
  let n = from;
  for (let tick = 0; ; tick++) {
    const due = began + (tick * BATCH * 1000) / perSecond;
    if (due - began >= durationS * 1000) break;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const posts = Array.from({ length: BATCH }, () => makePost(n++));
    sent.n += posts.length;
    const request = submitWithRetries(stack.intakeUrl, posts, { headers: stack.headers, batchSize: BATCH, concurrency: 1 }).then((r) => merge(report, r));
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  }
  await Promise.all(inFlight);
}

/**
 * The worker's time per post in each stage of scoring, minute by minute of the soak, from its
 * `batch scored` debug lines: where the time goes as the stored state grows.
 */
function stageTimes(logs: string, began: number): Record<string, number>[] {
  const minutes = new Map<number, { posts: number; ms: Record<string, number> }>();
  for (const line of logs.split('\n')) {
    if (!line.includes('"batch scored"')) continue;
    let entry: { time: number; posts: number; ms: Record<string, number> };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry.time < began || !entry.ms) continue;
    const minute = Math.floor((entry.time - began) / 60_000);
    const bucket = minutes.get(minute) ?? { posts: 0, ms: {} };
    bucket.posts += entry.posts;
    for (const [stage, ms] of Object.entries(entry.ms)) bucket.ms[stage] = (bucket.ms[stage] ?? 0) + ms;
    minutes.set(minute, bucket);
  }
  return [...minutes]
    .sort(([a], [b]) => a - b)
    .map(([minute, { posts, ms }]) => ({ minute, posts, ...Object.fromEntries(Object.entries(ms).map(([stage, total]) => [stage, Math.round((total / posts) * 100) / 100])) }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  // debug: the worker then logs each batch's time by stage, summarised per minute below.
  const env: Record<string, string> = { LOG_LEVEL: 'debug', INTAKE_MAX_QUEUE_DEPTH: '10000000', RATE_LIMIT_ADMIN: '1000000000' };
  if (args.model === 'tiny') {
    const model = await ensureTinyModel();
    Object.assign(env, { MODEL: '', MODEL_DIR: model.dir, MODEL_NAME: model.modelName, MODEL_MAX_TOKENS: '128' });
  }
  console.log(`soak: starting results, intake and ${workers} worker(s) on a private Redis and PostgreSQL (model: ${args.model})`);
  const stack = await startFaultStack({ workers, env });
  // Interrupted: stop what this run started (services, Redis, the PostgreSQL cluster) first.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`soak: ${signal}: stopping`);
      void stack.stop().finally(() => process.exit(130));
    });
  }
  let failed = false;
  try {
    await stack.addMemoPattern();
    const makePost = postSource();
    const report: SubmitReport = { sent: 0, accepted: new Set(), queued: 0, duplicates: 0, retries: {} };
    const sent = { n: 0 };

    // 1. Capacity: keep intake full for a while and count what the workers score per second,
    //    skipping the first fifth while caches and pools fill.
    console.log(`soak: measuring capacity for ${capacitySeconds} s`);
    const flooding = flood(stack, makePost, capacitySeconds, report, sent);
    await sleep((capacitySeconds * 1000) / 5);
    const scoredAtStart = (await countScored(stack.db, SOURCE)) ?? 0;
    const measuredFrom = Date.now();
    await sleep((capacitySeconds * 1000 * 4) / 5);
    const capacity = (((await countScored(stack.db, SOURCE)) ?? 0) - scoredAtStart) / ((Date.now() - measuredFrom) / 1000);
    await flooding;
    console.log(`soak: capacity ${capacity.toFixed(0)} posts/s; draining the backlog of ${sent.n - ((await countScored(stack.db, SOURCE)) ?? 0)}`);
    await waitForDrain(stack, SOURCE, report.accepted.size, 30 * 60_000);

    // 2. Soak at `load` of capacity.
    const rate = Math.max(1, capacity * load);
    const durationS = minutes * 60;
    console.log(`soak: holding ${rate.toFixed(0)} posts/s (${Math.round(load * 100)}% of capacity) for ${minutes} min`);
    const samples: Sample[] = [];
    const pids = (): Record<string, number | undefined> => ({
      intake: stack.intake.child.pid,
      results: stack.results.child.pid,
      ...Object.fromEntries(stack.workers.map((w, i) => [`worker${stack.workers.length > 1 ? i + 1 : ''}`, w.child.pid])),
    });
    const sentBefore = sent.n;
    const acceptedBefore = report.accepted.size;
    const scoredBefore = (await countScored(stack.db, SOURCE)) ?? 0;
    const began = Date.now();
    const soaking = sendAtRate(stack, makePost, sent.n, rate, durationS, report, sent);
    let done = false;
    void soaking.finally(() => (done = true));
    while (!done) {
      const jobs = await stack.scoreJobs();
      const sample: Sample = {
        atS: Math.round((Date.now() - began) / 1000),
        sent: sent.n - sentBefore,
        accepted: report.accepted.size - acceptedBefore,
        scored: ((await countScored(stack.db, SOURCE)) ?? 0) - scoredBefore,
        waiting: jobs['waiting']! + jobs['prioritized']!,
        rssMB: Object.fromEntries(Object.entries(pids()).map(([name, pid]) => [name, rssMB(pid)])),
        heapMB: { intake: await heapUsedMB(stack.intakeUrl), results: await heapUsedMB(stack.resultsUrl) },
        redisMB: await redisUsedMB(stack),
      };
      samples.push(sample);
      console.log(`soak: ${JSON.stringify(sample)}`);
      await Promise.race([sleep(10_000), soaking]);
    }
    await soaking;
    await waitForDrain(stack, SOURCE, report.accepted.size, 30 * 60_000);

    // 3. Reconcile and judge.
    const outcome = await reconcile(stack.db, SOURCE, report.accepted, stack.memoPatternId);
    const jobs = await stack.scoreJobs();
    const lost = outcome.missing.length + outcome.unscored.length;
    const steady = samples.filter((s) => s.atS >= durationS * WARM_UP);
    const firstHalf = steady.slice(0, Math.ceil(steady.length / 2));
    const lastHalf = steady.slice(Math.floor(steady.length / 2));
    const memory = Object.fromEntries(
      Object.keys(pids()).map((name) => {
        const early = median(firstHalf.map((s) => s.rssMB[name] ?? 0));
        const late = median(lastHalf.map((s) => s.rssMB[name] ?? 0));
        const peak = Math.max(...samples.map((s) => s.rssMB[name] ?? 0));
        const heap = name in (samples[0]?.heapMB ?? {}) ? { early: median(firstHalf.map((s) => s.heapMB[name] ?? 0)), late: median(lastHalf.map((s) => s.heapMB[name] ?? 0)) } : null;
        // Flat: the second half of the steady state sits within 10% (or 25 MB) of the first.
        // Under JUDGE_MEMORY_MINUTES the halves are a few samples of garbage-collector noise.
        const within = (from: number, to: number) => to - from <= Math.max(0.1 * from, 25);
        const flat = minutes < JUDGE_MEMORY_MINUTES ? null : within(early, late);
        return [name, { earlyMedianMB: early, lateMedianMB: late, peakMB: peak, heapEarlyMedianMB: heap?.early ?? null, heapLateMedianMB: heap?.late ?? null, flat }];
      }),
    );
    const stages = stageTimes(stack.logs(), began);
    const maxWaiting = Math.max(...steady.map((s) => s.waiting));
    const backlogBounded = maxWaiting <= rate * 30;
    const figures = {
      machine: { cpus: (await import('node:os')).cpus().length, memoryGB: Math.round((await import('node:os')).totalmem() / 2 ** 30) },
      model: args.model,
      workers,
      capacityPostsPerSecond: Math.round(capacity),
      load,
      heldPostsPerSecond: Math.round(rate),
      minutes,
      soak: { sent: sent.n - sentBefore, accepted: report.accepted.size - acceptedBefore },
      total: { sent: sent.n, accepted: report.accepted.size, scored: outcome.scored, lost, duplicateFlags: outcome.duplicateFlags, duplicateEvents: outcome.duplicateEvents, flags: outcome.flags, failedJobs: jobs['failed'] },
      retries: report.retries,
      maxWaiting,
      backlogBounded,
      memory,
      redisMB: { start: samples[0]?.redisMB, end: samples.at(-1)?.redisMB },
      workerMsPerPostByMinute: stages,
      samples,
    };
    writeFileSync(out, JSON.stringify(figures, null, 2) + '\n');
    const { samples: _samples, ...summary } = figures;
    console.log(`soak: figures written to ${out}\n${JSON.stringify(summary, null, 2)}`);
    const problems = [
      lost > 0 ? `${lost} accepted posts lost` : null,
      outcome.unexpected.length > 0 ? `${outcome.unexpected.length} posts stored that were never accepted` : null,
      outcome.duplicateFlags > 0 || outcome.duplicateEvents > 0 || outcome.flagsWithoutOneOpened > 0 ? 'duplicate flags or events' : null,
      jobs['failed']! > 0 ? `${jobs['failed']} failed jobs` : null,
      ...Object.entries(memory).map(([name, m]) => (m.flat === false ? `${name} memory grew from ${m.earlyMedianMB} MB to ${m.lateMedianMB} MB` : null)),
    ].filter(Boolean);
    // A backlog that grows means the rate was not held; it loses nothing, and on a shared
    // machine it can be other work's doing, so it is reported rather than failed.
    if (!backlogBounded) console.warn(`soak: WARNING: the workers fell behind: the backlog reached ${maxWaiting} waiting posts (see workerMsPerPostByMinute)`);
    if (problems.length > 0) {
      failed = true;
      console.error(`soak: FAILED: ${problems.join('; ')}`);
    } else {
      console.log(`soak: passed: nothing lost, ${minutes < JUDGE_MEMORY_MINUTES ? `memory not judged under ${JUDGE_MEMORY_MINUTES} minutes` : 'memory flat'}`);
    }
  } catch (error) {
    failed = true;
    console.error(stack.dump());
    throw error;
  } finally {
    await stack.stop();
  }
  process.exit(failed ? 1 : 0);
}

await main();
