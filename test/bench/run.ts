/**
 * `npm run bench`: every benchmark, each figure a ratio against a baseline measured in the same
 * run; a markdown table on stdout, and each bench's figures in `bench-results/<name>.json`.
 *
 *   npm run bench                      the full run (about 15–25 minutes on 2 cores)
 *   npm run bench -- --quick           a minute or two, for CI: fewer posts, shorter phases
 *   npm run bench -- --only scoring,latency
 *
 * Needs redis-server on PATH and PostgreSQL at TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test); each bench starts its own redis-server and uses its
 * own schema, dropped afterwards. The all-MiniLM-L6-v2-shaped model is generated into
 * `.cache/models` on first use, with the real tokenizer from ../shared/data when it is there.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { REPO_ROOT, ensureBenchModel, machine } from './bench-stack.js';
import { runIntakeBench, type IntakeBenchResult } from './intake-bench.js';
import { runLatencyBench } from './latency-bench.js';
import { DEFAULT_RESCAN_BENCH, runRescanBench } from './rescan-bench.js';
import { MEMORY_GOAL_MB, memoryFromScoring } from './memory-bench.js';
import { runScaleOutBench } from './scale-out-bench.js';
import { runScoringBench, type ScoringBenchResult } from './scoring-bench.js';
import { formatProfile } from './cpu-profile.js';

export interface BenchContext {
  quick: boolean;
  log: (line: string) => void;
  /** Results of the benches that ran before, by name. */
  results: Map<string, unknown>;
}

export interface BenchOutcome {
  /** Written to `bench-results/<name>.json`. */
  figures: unknown;
  /** Markdown for the summary. */
  table: string;
}

export interface Bench {
  name: string;
  run(ctx: BenchContext): Promise<BenchOutcome>;
}

const yes = (ok: boolean) => (ok ? 'yes' : '**no**');

/** The benches, in the order they run; one may read the figures of those before it. */
export const BENCHES: Bench[] = [
  {
    name: 'scoring',
    async run(ctx) {
      const cores = availableParallelism();
      const result = await runScoringBench(
        ctx.quick
          ? { dtypes: ['q8'], tokens: [32], threads: [cores], posts: 128, rounds: 1, profile: false, log: ctx.log }
          : { dtypes: ['fp32', 'q8'], tokens: [32, 128], threads: [...new Set([1, cores])], posts: 512, rounds: 2, profile: true, log: ctx.log },
      );
      const rows = result.cells.map(
        (c) =>
          `| ${c.dtype} | ${c.targetTokens} (${c.meanTokens}) | ${c.threads} | ${c.pipelinePostsPerSecond} | ${c.rawPostsPerSecond} | ${c.ratio} | ${yes(c.ratio >= 0.8)} | ` +
          `${c.cpuMsPerPost.worker} + ${c.cpuMsPerPost.redis} vs ${c.cpuMsPerPost.raw} (${Math.round((c.cpuMsPerPost.raw / (c.cpuMsPerPost.worker + c.cpuMsPerPost.redis)) * 100) / 100}) | ${c.loadAverage} |`,
      );
      const table = [
        `### Scoring: pipeline vs raw ONNX Runtime (goal ≥ 0.8)`,
        '',
        `${result.model.name}, ${result.model.tokenizer}; worker micro-batches of ${result.workerBatchSize}, model calls of ${result.providerBatchSize}; distinct posts.`,
        '',
        '| dtype | tokens (mean) | threads | pipeline posts/s | raw ORT posts/s | ratio | goal met | CPU ms/post: worker + redis vs raw (ratio) | load avg |',
        '|---|---|---:|---:|---:|---:|---|---|---:|',
        ...rows,
        ...(result.profile
          ? ['', `Worker profile (${result.profile.cell}):`, ...result.profile.threads.flatMap((t) => ['', formatProfile(t, t.thread)])]
          : []),
      ].join('\n');
      return { figures: result, table };
    },
  },
  {
    name: 'memory',
    async run(ctx) {
      const scoring = ctx.results.get('scoring') as ScoringBenchResult | undefined;
      if (!scoring) throw new Error('the memory figures come from the scoring bench: run it too');
      const rows = memoryFromScoring(scoring.cells);
      const table = [
        `### Memory: worker RSS with the model loaded, after scoring (goal < ${MEMORY_GOAL_MB} MB)`,
        '',
        '| dtype | tokens | threads | RSS after the run, MB | peak RSS, MB | goal met |',
        '|---|---:|---:|---:|---:|---|',
        ...rows.map((r) => `| ${r.dtype} | ${r.targetTokens} | ${r.threads} | ${r.rssMB} | ${r.peakMB} | ${yes(r.meetsGoal)} |`),
      ].join('\n');
      return { figures: { machine: machine(), rows }, table };
    },
  },
  {
    name: 'intake',
    async run(ctx) {
      const result: IntakeBenchResult = await runIntakeBench(
        ctx.quick ? { seconds: 3, connections: 32, batchConnections: 4, log: ctx.log } : { seconds: 10, connections: 32, batchConnections: 4, log: ctx.log },
      );
      const goal = { single: 0.6, batch: 0.7 };
      const table = [
        '### Intake: HTTP (autocannon) vs BullMQ on the same Redis (goals ≥ 0.6 single, ≥ 0.7 batch)',
        '',
        '| requests | in flight | intake posts/s | BullMQ posts/s | ratio | goal met | intake p50 / p99 ms | bare Fastify posts/s (its ratio) |',
        '|---|---:|---:|---:|---:|---|---|---|',
        ...result.figures.map(
          (f) =>
            `| ${f.mode === 'single' ? '1 post (vs `add`)' : '1,000 posts (vs `addBulk`)'} | ${f.inFlight} | ${f.intakePostsPerSecond} | ${f.bullmqPostsPerSecond} | ${f.ratio} | ${yes(f.ratio >= goal[f.mode])} | ${f.intakeLatencyMs.p50} / ${f.intakeLatencyMs.p99} | ${f.bareHttpPostsPerSecond} (${Math.round((f.bareHttpPostsPerSecond / f.bullmqPostsPerSecond) * 100) / 100}) |`,
        ),
      ].join('\n');
      return { figures: result, table };
    },
  },
  {
    name: 'latency',
    async run(ctx) {
      const result = await runLatencyBench(
        ctx.quick ? { dtype: 'q8', tokens: 32, seconds: 8, capacityPosts: 128, log: ctx.log } : { dtype: 'q8', tokens: 32, seconds: 30, capacityPosts: 512, log: ctx.log },
      );
      const l = result.latencyMs;
      const table = [
        '### Latency: 202 → scored at half the measured capacity (goal p99 < 1 s)',
        '',
        '| dtype | tokens | capacity posts/s | offered posts/s | posts | p50 ms | p90 ms | p99 ms | max ms | goal met |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
        `| ${result.dtype} | ${result.targetTokens} | ${result.capacityPostsPerSecond} | ${result.offeredPostsPerSecond} | ${result.posts} | ${l.p50} | ${l.p90} | ${l.p99} | ${l.max} | ${yes(result.meetsGoal)} |`,
      ].join('\n');
      return { figures: result, table };
    },
  },
  {
    name: 'scale-out',
    async run(ctx) {
      const result = await runScaleOutBench({ dtype: 'q8', tokens: 32, posts: ctx.quick ? 128 : 512, log: ctx.log });
      const table = [
        '### Scale-out: worker processes on this machine',
        '',
        '| workers | threads each | posts/s | vs one worker |',
        '|---:|---:|---:|---:|',
        ...result.rows.map((r) => `| ${r.workers} | ${r.threadsPerWorker} | ${r.postsPerSecond} | × ${r.speedup} |`),
      ].join('\n');
      return { figures: result, table };
    },
  },
  {
    name: 'rescan',
    async run(ctx) {
      const result = await runRescanBench({
        ...DEFAULT_RESCAN_BENCH,
        ...(ctx.quick ? { posts: 100_000, carriers: 100, distinct: 20_000 } : {}),
        databaseUrl: process.env['TEST_DATABASE_URL'] ?? process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
        log: ctx.log,
      });
      const s = result.stages;
      const table = [
        '### Rescans: stored posts re-scored against a new document pattern (goal ≥ 20,000 posts/s)',
        '',
        '| posts | workers × chunks each | rescan s | posts/s | goal met | flagged = live scoring | candidates | read / match / score / write s (summed over chunks) | load avg |',
        '|---:|---|---:|---:|---|---|---:|---|---|',
        `| ${result.total} | ${result.options.workers} × ${result.options.concurrency} | ${result.rescanSeconds} | ${result.postsPerSecond} | ${yes(result.postsPerSecond >= 20_000)} | ${yes(result.matchesLiveScoring)} (${result.newlyFlagged}) | ${result.candidates} | ${[s.readMs, s.matchMs, s.scoreMs, s.writeMs].map((ms) => (ms / 1000).toFixed(1)).join(' / ')} | ${result.machine.loadAverageBefore} → ${result.machine.loadAverageAfter} |`,
      ].join('\n');
      return { figures: result, table };
    },
  },
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string', default: 'bench-results' },
    },
  });
  const only = values.only?.split(',');
  const unknown = only?.filter((name) => !BENCHES.some((b) => b.name === name)) ?? [];
  if (unknown.length > 0) {
    console.error(`unknown bench ${unknown.join(', ')}; the benches are ${BENCHES.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
  const outDir = resolve(REPO_ROOT, values.out);
  await mkdir(outDir, { recursive: true });
  const log = (line: string) => console.error(line);
  const started = new Date();
  const m = machine();
  const model = await ensureBenchModel(log);
  const ctx: BenchContext = { quick: values.quick, log, results: new Map() };
  const sections: string[] = [];
  for (const bench of BENCHES) {
    if (only && !only.includes(bench.name) && !(bench.name === 'memory' && only.includes('scoring'))) continue;
    log(`\n== ${bench.name}${values.quick ? ' (quick)' : ''} ==`);
    const t = performance.now();
    const outcome = await bench.run(ctx);
    ctx.results.set(bench.name, outcome.figures);
    await writeFile(join(outDir, `${bench.name}.json`), `${JSON.stringify({ date: new Date().toISOString(), quick: values.quick, ...(outcome.figures as object) }, null, 2)}\n`);
    sections.push(outcome.table);
    log(`   ${bench.name} took ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  const header = [
    `## Undertow benchmarks${values.quick ? ' (quick)' : ''}`,
    '',
    `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC · ${m.cpus} × ${m.model} · Node ${m.node} · load average at start ${m.loadAverage} · ` +
      `\`npm run bench${values.quick ? ' -- --quick' : ''}\` · model ${model.name} (${model.tokenizer})`,
  ].join('\n');
  const summary = [header, ...sections].join('\n\n') + '\n';
  await writeFile(join(outDir, values.quick ? 'summary-quick.md' : 'summary.md'), summary);
  process.stdout.write(`\n${summary}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
