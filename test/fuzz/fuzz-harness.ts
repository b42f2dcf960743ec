import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino, type Logger } from 'pino';
import { expect } from 'vitest';
import { loadConfig, type Config } from '@undertow/config';
import type { Role } from '@undertow/core';
import type { Access } from '@undertow/http';
import { buildIntakeApp, createIntakeContext, type IntakeContext } from '@undertow/intake';
import { createRedis } from '@undertow/queue';
import { buildResultsApp, createResultsContext, type ResultsContext } from '@undertow/results';
import { createStore, openDatabase, type Database, type Store } from '@undertow/store';
import { startWorker, type RunningWorker } from '@undertow/worker';
import { createTestSchema, type TestSchema } from '../support/postgres.js';

/**
 * Both APIs built as the services build them (`buildIntakeApp`, `buildResultsApp`) on a real
 * Redis and a real database — a fresh schema on the test PostgreSQL server when one answers,
 * else PGlite — with a worker scoring what intake accepts, so that a fuzz case intake accepted
 * can be followed to its score. Requests go through `app.inject`: the whole Fastify stack
 * (parsing, auth, validation, handlers, error handler) with no sockets.
 */
export interface FuzzHarness {
  config: Readonly<Config>;
  intake: FastifyInstance;
  results: FastifyInstance;
  store: Store;
  db: Database;
  /** A key of each role, made for this run. */
  keys: Record<Role, { id: string; secret: string }>;
  /** Everything the services logged, as pino wrote it. */
  logs(): string;
  close(): Promise<void>;
}

export async function startFuzzHarness(redisUrl: string, env: Record<string, string> = {}): Promise<FuzzHarness> {
  const schema: TestSchema | null = await createTestSchema();
  // A console build of two files, so that the static file serving at `/` is fuzzed too
  // whether or not `npm run build:console` has been run.
  const consoleDir = mkdtempSync(join(tmpdir(), 'undertow-fuzz-console-'));
  mkdirSync(join(consoleDir, 'assets'));
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/assets/app.js"></script>\n');
  writeFileSync(join(consoleDir, 'assets', 'app.js'), 'export {};\n');
  const config = loadConfig({
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `fuzz-${randomUUID().slice(0, 8)}`,
    MODEL: 'none',
    INTAKE_PORT: '0',
    RESULTS_PORT: '0',
    // Fuzzing sends thousands of requests a minute with one key; the limit is tested on its own.
    RATE_LIMIT_ADMIN: '1000000000',
    RATE_LIMIT_REVIEWER: '1000000000',
    RATE_LIMIT_SUBMITTER: '1000000000',
    CONSOLE_DIR: consoleDir,
    ...(schema ? { DATABASE_URL: schema.url, DATABASE_SCHEMA: schema.schema } : {}),
    ...env,
  });
  const db = await openDatabase({
    url: config.database.url ?? undefined,
    schema: config.database.schema ?? undefined,
    dataDir: 'memory://',
    poolSize: 10,
  });
  let captured = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      captured = (captured + chunk.toString()).slice(-5_000_000);
      done();
    },
  });
  const log: Logger = pino({ level: 'trace' }, sink);
  const redis = createRedis(config.redis.url);
  const intakeCtx: IntakeContext = await createIntakeContext(config, log.child({ service: 'intake' }), { redis, db });
  const resultsCtx: ResultsContext = await createResultsContext(config, log.child({ service: 'results' }), { redis, db });
  const intake = await buildIntakeApp(intakeCtx);
  const results = await buildResultsApp(resultsCtx);
  await Promise.all([intake.ready(), results.ready()]);
  const worker: RunningWorker = await startWorker(config, log.child({ service: 'worker' }), { redis, db, embedder: null });
  const store = createStore(db);
  const keys = {} as FuzzHarness['keys'];
  for (const role of ['admin', 'reviewer', 'submitter'] as const) {
    const made = await store.apiKeys.create({ name: `fuzz-${role}`, role });
    keys[role] = { id: made.key.id, secret: made.secret };
  }
  return {
    config,
    intake,
    results,
    store,
    db,
    keys,
    logs: () => captured,
    async close() {
      await intake.close();
      await results.close();
      await worker.close();
      await intakeCtx.close();
      await resultsCtx.close();
      redis.disconnect();
      await db.close();
      await schema?.drop();
      rmSync(consoleDir, { recursive: true, force: true });
    },
  };
}

/** How many cases each route was sent, for docs/reliability.md. */
export class CaseCounter {
  readonly counts = new Map<string, number>();

  add(app: 'intake' | 'results', method: string, url: string): void {
    const route = `${app} ${method.toUpperCase()} ${url}`;
    this.counts.set(route, (this.counts.get(route) ?? 0) + 1);
  }

  table(): string {
    return [...this.counts].sort(([a], [b]) => a.localeCompare(b)).map(([route, n]) => `${route}\t${n}`).join('\n');
  }
}

/**
 * What every answer to bad input must be: never a 5xx, and a 4xx says what was wrong, in the
 * API's error shape.
 */
export function expectClearAnswer(response: LightMyRequestResponse, request: InjectOptions): void {
  const what = `${request.method} ${request.url} ${describeBody(request.payload)} -> ${response.statusCode} ${response.body.slice(0, 300)}`;
  expect(response.statusCode, what).toBeLessThan(500);
  // A HEAD answer has no body to check.
  if (response.statusCode >= 400 && request.method !== 'HEAD') {
    expect(response.headers['content-type'], what).toMatch(/^application\/json/);
    const body = JSON.parse(response.body) as { statusCode?: unknown; message?: unknown; code?: unknown };
    expect(body.statusCode, what).toBe(response.statusCode);
    expect(typeof body.code, what).toBe('string');
    expect(typeof body.message === 'string' && body.message.length > 0, what).toBe(true);
  }
}

function describeBody(payload: InjectOptions['payload']): string {
  if (payload === undefined) return '';
  const text = Buffer.isBuffer(payload) ? payload.toString('utf8') : typeof payload === 'string' ? payload : JSON.stringify(payload);
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} chars)` : text;
}

/** Numbers of runs, scaled by `FUZZ_RUNS_SCALE` (default 1) for a longer hunt. */
export function runs(base: number): number {
  const scale = Number(process.env['FUZZ_RUNS_SCALE'] ?? 1);
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** Prints the counts and writes them to `$FUZZ_REPORT_DIR/<name>.json` (default: a temp dir). */
export function writeCaseCounts(name: string, counter: CaseCounter): void {
  const dir = process.env['FUZZ_REPORT_DIR'] ?? join(tmpdir(), 'undertow-fuzz');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(Object.fromEntries(counter.counts), null, 2) + '\n');
  console.log(`fuzz cases (${name}):\n${counter.table()}`);
}

export interface FuzzedRoute {
  method: string;
  url: string;
  /** Who may call it; a route the auth plugin never saw (registered before it) is public. */
  access: Access;
}

/**
 * Every route the app serves, read from its router (`printRoutes`), so that a route registered
 * before the auth plugin — which `routeAccess()` does not list — is fuzzed too.
 */
export function everyRoute(app: FastifyInstance): FuzzedRoute[] {
  const access = new Map(app.routeAccess().map((r) => [`${r.method} ${r.url}`, r.access]));
  const routes: FuzzedRoute[] = [];
  const prefixes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const url = (prefixes[depth - 1] ?? '') + (depth === 0 && !match[2]!.startsWith('/') ? `/${match[2]!}` : match[2]!);
    prefixes[depth] = url;
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean)) {
      routes.push({ method, url, access: access.get(`${method} ${url}`) ?? 'public' });
    }
  }
  return routes;
}
