/**
 * Intake throughput: posts accepted per second by the intake service over HTTP (autocannon)
 * against BullMQ's own `add` and `addBulk` of the same jobs on the same Redis, in the same run.
 *
 *   tsx test/bench/intake-bench.ts [--seconds 10] [--connections 32] [--batch-connections 4]
 *       [--json bench-results/intake.json]
 *
 * - single: one post per request, `--connections` requests in flight, against `Queue.add` with
 *   the same number of adds in flight;
 * - batch: 1,000 posts per request, `--batch-connections` in flight, against `Queue.addBulk` of
 *   1,000 jobs with as many in flight.
 *
 * Every post is distinct (a fresh externalId), so intake's dedupe never spares it the queue;
 * the BullMQ side adds the same payload, job id and job options intake uses. Each figure is the
 * better of two rounds, run in the order baseline, intake, baseline, intake.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { PostInput } from '../../packages/core/src/index.js';
import { JOBS, postJobId } from '../../packages/queue/src/index.js';
import { freePort } from '../support/services.js';
import { REPO_ROOT, cpuSeconds, machine, round, startBenchApi, startBenchStack, type BenchStack, type Machine } from './bench-stack.js';

export interface IntakeBenchOptions {
  seconds: number;
  connections: number;
  batchConnections: number;
  /** Which phases to run. Default both. */
  modes?: ('single' | 'batch')[];
  /** Profile the intake process (`node --cpu-prof`) into this directory. */
  profileDir?: string;
  log?: (line: string) => void;
}

export interface IntakeFigure {
  mode: 'single' | 'batch';
  postsPerRequest: number;
  inFlight: number;
  intakePostsPerSecond: number;
  bullmqPostsPerSecond: number;
  /** intake / BullMQ; goals ≥ 0.6 (single) and ≥ 0.7 (batch). */
  ratio: number;
  /** Latency of intake's answers, ms. */
  intakeLatencyMs: { p50: number; p99: number };
  /**
   * The same requests against a bare Fastify route that parses the body and answers 202 with
   * no auth, validation or Redis: what HTTP alone allows on this machine. Its ratio to BullMQ
   * bounds any HTTP intake's.
   */
  bareHttpPostsPerSecond: number;
  /** CPU milliseconds per 1,000 posts, by process, in the better intake round and the BullMQ round after it. */
  cpuMsPer1000Posts: { intake: Record<string, number>; bullmq: Record<string, number> };
}

export interface IntakeBenchResult {
  machine: Machine;
  seconds: number;
  figures: IntakeFigure[];
}

const TEXT =
  'Leaked port authority memo says the Meridian sale was agreed before the public consultation opened; the board minutes were rewritten afterwards. Read the full document here before it is taken down.';

function post(source: string, n: number): PostInput {
  return {
    source,
    externalId: `p${n}`,
    author: { id: `author-${n % 5000}`, handle: `user${n % 5000}`, createdAt: '2026-09-01T00:00:00Z' },
    community: `community-${n % 20}`,
    text: `${TEXT} #${n}`,
    urls: [`https://docs.example.org/meridian/${n % 100}`],
    createdAt: new Date(Date.parse('2026-10-21T09:00:00Z') + n * 1000).toISOString(),
  };
}

export async function runIntakeBench(options: IntakeBenchOptions): Promise<IntakeBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const stack = await startBenchStack();
  const intake = await startBenchApi(
    stack,
    'intake',
    { INTAKE_MAX_QUEUE_DEPTH: '1000000000' },
    options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [],
  );
  const figures: IntakeFigure[] = [];
  const bare = await startBareHttp();
  try {
    for (const mode of options.modes ?? (['single', 'batch'] as const)) {
      const postsPerRequest = mode === 'single' ? 1 : 1000;
      const inFlight = mode === 'single' ? options.connections : options.batchConnections;
      let bullmq = { postsPerSecond: 0, cpu: {} as Record<string, number> };
      let best = { postsPerSecond: 0, p50: NaN, p99: NaN, cpu: {} as Record<string, number> };
      const processes = { 'bench (load generator)': process.pid, intake: intake.pid, 'redis-server': stack.redis.process.pid! };
      for (let round_ = 0; round_ < 2; round_++) {
        const tag = `${mode}-${round_}`;
        const baseline = await measureCpu(processes, () => bullmqAdds(stack, `bullmq-${tag}`, postsPerRequest, inFlight, options.seconds));
        if (baseline.postsPerSecond > bullmq.postsPerSecond) bullmq = baseline;
        const http = await measureCpu(processes, () => intakeRequests(intake.url, stack.submitterKey, `intake-${tag}`, postsPerRequest, inFlight, options.seconds));
        if (http.postsPerSecond > best.postsPerSecond) best = http;
      }
      const floor = await intakeRequests(bare.url, 'none', `bare-${mode}`, postsPerRequest, inFlight, options.seconds);
      const figure: IntakeFigure = {
        mode,
        postsPerRequest,
        inFlight,
        intakePostsPerSecond: round(best.postsPerSecond),
        bullmqPostsPerSecond: round(bullmq.postsPerSecond),
        ratio: round(best.postsPerSecond / bullmq.postsPerSecond, 2),
        intakeLatencyMs: { p50: best.p50, p99: best.p99 },
        bareHttpPostsPerSecond: round(floor.postsPerSecond),
        cpuMsPer1000Posts: { intake: best.cpu, bullmq: bullmq.cpu },
      };
      figures.push(figure);
      log(
        `intake ${mode} (${postsPerRequest} post${postsPerRequest > 1 ? 's' : ''}/request, ${inFlight} in flight): intake ${figure.intakePostsPerSecond} posts/s, ` +
          `BullMQ ${mode === 'single' ? 'add' : 'addBulk'} ${figure.bullmqPostsPerSecond} posts/s → ${figure.ratio} (intake p50 ${best.p50} ms, p99 ${best.p99} ms); ` +
          `bare Fastify ${figure.bareHttpPostsPerSecond} posts/s (bound ${round(figure.bareHttpPostsPerSecond / figure.bullmqPostsPerSecond, 2)}); ` +
          `CPU ms per 1,000 posts: intake ${JSON.stringify(best.cpu)}, BullMQ ${JSON.stringify(bullmq.cpu)}`,
      );
    }
  } finally {
    await bare.stop();
    await intake.stop();
    await stack.close();
  }
  return { machine: machine(), seconds: options.seconds, figures };
}

/** The HTTP floor: Fastify in its own process, a POST route that parses JSON and answers 202. */
async function startBareHttp(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const script = `
    import Fastify from 'fastify';
    const app = Fastify({ bodyLimit: 16 * 1024 * 1024 });
    app.post('/v1/posts', async (request, reply) => {
      const body = request.body;
      const accepted = Array.isArray(body.posts) ? body.posts.length : 1;
      return reply.status(202).send({ accepted, duplicates: 0, rejected: 0 });
    });
    await app.listen({ host: '127.0.0.1', port: ${port} });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await fetch(url);
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error('the bare Fastify server did not start');
      await sleep(50);
    }
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs a phase and adds the CPU each process spent on it, per 1,000 posts. */
async function measureCpu<T extends { postsPerSecond: number; posts: number }>(
  processes: Record<string, number>,
  phase: () => Promise<T>,
): Promise<T & { cpu: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const result = await phase();
  const cpu = Object.fromEntries(
    Object.entries(processes).map(([name, pid]) => [name, round(((cpuSeconds(pid) - before[name]!) * 1e6) / Math.max(1, result.posts))]),
  );
  return { ...result, cpu };
}

/** Posts per second that BullMQ itself enqueues: `add` (or `addBulk` of `size`) with `inFlight` calls outstanding. */
async function bullmqAdds(stack: BenchStack, source: string, size: number, inFlight: number, seconds: number): Promise<{ postsPerSecond: number; posts: number }> {
  const queue = stack.producer.queues.score;
  const options = JOBS['score-post'].options;
  let n = 0;
  let added = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        const acceptedAt = new Date().toISOString();
        if (size === 1) {
          const p = post(source, n++);
          await queue.add('score-post', { post: p, acceptedAt }, { ...options, jobId: postJobId(p) });
        } else {
          const jobs = Array.from({ length: size }, () => {
            const p = post(source, n++);
            return { name: 'score-post' as const, data: { post: p, acceptedAt }, opts: { ...options, jobId: postJobId(p) } };
          });
          await queue.addBulk(jobs);
        }
        added += size;
      }
    }),
  );
  return { postsPerSecond: added / ((performance.now() - started) / 1000), posts: added };
}

/** Posts per second that intake accepts (202, every item `queued`) over HTTP. */
async function intakeRequests(
  url: string,
  key: string,
  source: string,
  size: number,
  connections: number,
  seconds: number,
): Promise<{ postsPerSecond: number; posts: number; p50: number; p99: number }> {
  let n = 0;
  let accepted = 0;
  let refused = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    requests: [
      {
        method: 'POST',
        path: '/v1/posts',
        setupRequest: (request) => {
          const body = size === 1 ? post(source, n++) : { posts: Array.from({ length: size }, () => post(source, n++)) };
          return { ...request, body: JSON.stringify(body) };
        },
        onResponse: (status, body) => {
          if (status !== 202) {
            refused++;
            return;
          }
          accepted += (JSON.parse(body) as { accepted: number }).accepted;
        },
      },
    ],
  });
  if (refused > 0 || result.errors > 0) throw new Error(`intake refused ${refused} requests (${result.errors} errors, ${result.non2xx} non-2xx)`);
  return { postsPerSecond: accepted / (result.duration ?? seconds), posts: accepted, p50: result.latency.p50, p99: result.latency.p99 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '32' },
      'batch-connections': { type: 'string', default: '4' },
      'profile-dir': { type: 'string' },
      modes: { type: 'string', default: 'single,batch' },
      json: { type: 'string', default: 'bench-results/intake.json' },
    },
  });
  const result = await runIntakeBench({ seconds: Number(values.seconds), connections: Number(values.connections), batchConnections: Number(values['batch-connections']), profileDir: values['profile-dir'],
    modes: values.modes.split(',') as ('single' | 'batch')[],
  });
  await mkdir(dirname(values.json), { recursive: true });
  await writeFile(values.json, `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
