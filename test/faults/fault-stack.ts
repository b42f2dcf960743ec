import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import pg from 'pg';
import { LEAKED_MEMO, demoStream, type DemoStream } from '@undertow/cli';
import { QUEUES, createRedis } from '@undertow/queue';
import { call, waitUntil } from '../support/http.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';
import { freePort, startService, waitReady, type ServiceProcess } from '../support/services.js';

/**
 * The product as an operator runs it — results, intake and workers as separate processes —
 * on a private redis-server (AOF, fsync always) and a private PostgreSQL cluster that the test
 * may crash, restart or stop at will.
 */
export interface FaultStack {
  redis: PrivateRedis;
  postgres: PrivatePostgres;
  /** The test's own connection to the private cluster, for reconciling. */
  db: pg.Pool;
  env: Record<string, string>;
  intakeUrl: string;
  resultsUrl: string;
  /** Headers a client sends on every request: the admin key the services were started with. */
  headers: Record<string, string>;
  intake: ServiceProcess;
  results: ServiceProcess;
  workers: ServiceProcess[];
  startWorker(): Promise<ServiceProcess>;
  startIntake(): Promise<ServiceProcess>;
  /** Creates the memo pattern and waits until a worker has indexed it. */
  addMemoPattern(): Promise<string>;
  /** The memo pattern's id, once made. */
  memoPatternId: string | null;
  /** Job counts of the score queue. */
  scoreJobs(): Promise<Record<string, number>>;
  /** Every process's output, for a failing test to print. */
  dump(): string;
  /** Everything every service process has written, from its first line. */
  logs(): string;
  stop(): Promise<void>;
}

export interface FaultStackOptions {
  workers?: number;
  /** Extra environment for every service. LOG_LEVEL must stay `info` or lower: a worker is ready when it logs `worker started`. */
  env?: Record<string, string>;
  /** A password to put in DATABASE_URL (the private cluster trusts local connections and ignores it). */
  databasePassword?: string;
}

export async function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  const redis = await startPrivateRedis({ appendonly: true });
  const postgres = await startPrivatePostgres();
  const db = new pg.Pool({ connectionString: postgres.url, max: 2 });
  // The cluster is stopped on purpose in some tests; an idle connection dying is expected.
  db.on('error', () => undefined);
  const [intakePort, resultsPort] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    DATABASE_URL: options.databasePassword ? postgres.url.replace('postgres@', `postgres:${encodeURIComponent(options.databasePassword)}@`) : postgres.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: `faults-${randomUUID().slice(0, 8)}`,
    INTAKE_PORT: String(intakePort),
    RESULTS_PORT: String(resultsPort),
    MODEL: 'none',
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const adminKey = `faults-admin-${randomUUID()}`;
  env['UNDERTOW_ADMIN_KEY'] = adminKey;
  const intakeUrl = `http://127.0.0.1:${intakePort}`;
  const resultsUrl = `http://127.0.0.1:${resultsPort}`;
  const redisForQueues = createRedis(redis.url);
  redisForQueues.on('error', () => undefined);
  const scoreQueue = new Queue(QUEUES.score, { connection: redisForQueues, prefix: env['REDIS_PREFIX'], skipVersionCheck: true });

  const stopped: ServiceProcess[] = [];
  const written: string[] = [];
  const spawn = (name: 'intake' | 'worker' | 'results'): ServiceProcess => {
    const service = startService(name, env);
    service.child.stdout?.on('data', (chunk: Buffer) => written.push(chunk.toString()));
    service.child.stderr?.on('data', (chunk: Buffer) => written.push(chunk.toString()));
    return service;
  };
  const stack: FaultStack = {
    redis,
    postgres,
    db,
    env,
    intakeUrl,
    resultsUrl,
    headers: { 'x-api-key': adminKey },
    intake: undefined as unknown as ServiceProcess,
    results: undefined as unknown as ServiceProcess,
    workers: [],
    memoPatternId: null,
    async startWorker() {
      const worker = spawn('worker');
      stack.workers.push(worker);
      await waitUntil(
        async () => {
          if (worker.child.exitCode !== null) throw new Error(`worker exited with ${worker.child.exitCode}:\n${worker.output()}`);
          return worker.output().includes('worker started');
        },
        'the worker to start',
        30_000,
      );
      return worker;
    },
    async startIntake() {
      if (stack.intake) stopped.push(stack.intake);
      stack.intake = spawn('intake');
      await waitReady(intakeUrl, stack.intake);
      return stack.intake;
    },
    async addMemoPattern() {
      const created = await call(resultsUrl, 'POST', '/v1/patterns', { kind: 'document', name: 'Harwick memo', text: LEAKED_MEMO }, stack.headers);
      if (created.status !== 201) throw new Error(`creating the pattern answered ${created.status}: ${JSON.stringify(created.body)}`);
      const id: string = created.body.id;
      stack.memoPatternId = id;
      await waitUntil(async () => (await call(resultsUrl, 'GET', `/v1/patterns/${id}`, undefined, stack.headers)).body?.status === 'ready', 'the pattern to be indexed');
      return id;
    },
    async scoreJobs() {
      return scoreQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed', 'paused');
    },
    dump() {
      const all = [stack.results, ...stopped, stack.intake, ...stack.workers].filter(Boolean);
      return [...all.map((s) => `--- ${s.name} (pid ${s.child.pid}) ---\n${s.output()}`), `--- postgres ---\n${postgres.log()}`].join('\n');
    },
    logs: () => written.join(''),
    async stop() {
      await Promise.all([stack.intake, stack.results, ...stack.workers].filter(Boolean).map((s) => s.kill('SIGKILL')));
      await scoreQueue.close().catch(() => undefined);
      redisForQueues.disconnect();
      await db.end().catch(() => undefined);
      await postgres.stop();
      await redis.stop();
    },
  };

  try {
    // Results first: it runs the migrations the others then find in place.
    stack.results = spawn('results');
    await waitReady(resultsUrl, stack.results);
    await stack.startIntake();
    for (let i = 0; i < (options.workers ?? 1); i++) await stack.startWorker();
  } catch (error) {
    console.error(stack.dump());
    await stack.stop();
    throw error;
  }
  return stack;
}

export interface Reconciliation {
  /** Accepted posts with no row in `posts`. */
  missing: string[];
  /** Stored posts the client never had accepted (there must be none). */
  unexpected: string[];
  /** Accepted posts stored but without a score. */
  unscored: string[];
  /** (post, pattern) pairs with more than one flag. */
  duplicateFlags: number;
  /** Flags whose event log does not hold exactly one `opened` event. */
  flagsWithoutOneOpened: number;
  /**
   * Events recorded twice: the same type with the same data on the same flag. A later post of
   * the same story may rightly rescore a flag, but a post scored twice must add nothing.
   */
  duplicateEvents: number;
  /** Flags of any pattern, behaviour patterns included. */
  flags: number;
  /** externalIds of the posts flagged for the memo pattern. */
  flagged: string[];
  posts: number;
  scored: number;
}

/** Checks, in the database of record, that every accepted post was stored and scored exactly once. */
export async function reconcile(db: pg.Pool, source: string, accepted: ReadonlySet<string>, memoPatternId: string | null): Promise<Reconciliation> {
  const posts = await db.query<{ external_id: string; copies: string; scores: string }>(
    `SELECT p.external_id, count(*) OVER (PARTITION BY p.external_id) AS copies, count(s.post_id) OVER (PARTITION BY p.id) AS scores
     FROM posts p LEFT JOIN scores s ON s.post_id = p.id WHERE p.source = $1`,
    [source],
  );
  const stored = new Set(posts.rows.map((r) => r.external_id));
  const [duplicateFlags] = (
    await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM flags f JOIN posts p ON p.id = f.post_id WHERE p.source = $1
       GROUP BY f.post_id, f.pattern_id HAVING count(*) > 1) d`,
      [source],
    )
  ).rows;
  const [events] = (
    await db.query<{ not_one: string }>(
      `SELECT count(*) FILTER (WHERE opened <> 1) AS not_one FROM (
         SELECT f.id, count(e.id) FILTER (WHERE e.type = 'opened') AS opened
         FROM flags f JOIN posts p ON p.id = f.post_id LEFT JOIN flag_events e ON e.flag_id = f.id
         WHERE p.source = $1 GROUP BY f.id) per_flag`,
      [source],
    )
  ).rows;
  const [duplicateEvents] = (
    await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM (
         SELECT 1 FROM flag_events e JOIN flags f ON f.id = e.flag_id JOIN posts p ON p.id = f.post_id
         WHERE p.source = $1 GROUP BY e.flag_id, e.type, e.data HAVING count(*) > 1) d`,
      [source],
    )
  ).rows;
  const flagged = await db.query<{ external_id: string }>(
    `SELECT DISTINCT p.external_id FROM flags f JOIN posts p ON p.id = f.post_id WHERE p.source = $1 AND f.pattern_id = $2 ORDER BY 1`,
    [source, memoPatternId],
  );
  const [flags] = (await db.query<{ n: string }>(`SELECT count(*) AS n FROM flags f JOIN posts p ON p.id = f.post_id WHERE p.source = $1`, [source])).rows;
  return {
    missing: [...accepted].filter((id) => !stored.has(id)),
    unexpected: [...stored].filter((id) => !accepted.has(id)),
    unscored: posts.rows.filter((r) => Number(r.scores) !== 1).map((r) => r.external_id),
    duplicateFlags: Number(duplicateFlags?.n ?? 0) + posts.rows.filter((r) => Number(r.copies) !== 1).length,
    flagsWithoutOneOpened: Number(events?.not_one ?? 0),
    duplicateEvents: Number(duplicateEvents?.n ?? 0),
    flags: Number(flags?.n ?? 0),
    flagged: flagged.rows.map((r) => r.external_id),
    posts: stored.size,
    scored: posts.rows.filter((r) => Number(r.scores) === 1).length,
  };
}

/** How many posts of `source` have a score; null while the database cannot be reached. */
export async function countScored(db: pg.Pool, source: string): Promise<number | null> {
  try {
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM posts p JOIN scores s ON s.post_id = p.id WHERE p.source = $1`, [source]);
    return Number(rows[0]?.n ?? 0);
  } catch {
    return null;
  }
}

/** Waits until `expected` posts of `source` are scored and the score queue holds nothing. */
export async function waitForDrain(stack: FaultStack, source: string, expected: number, timeoutMs = 180_000): Promise<void> {
  await waitUntil(
    async () => {
      if ((await countScored(stack.db, source)) !== expected) return false;
      const jobs = await stack.scoreJobs();
      return jobs['waiting']! + jobs['active']! + jobs['delayed']! + jobs['prioritized']! === 0;
    },
    `${expected} posts to be scored and the queue to drain`,
    timeoutMs,
    250,
  );
}

/** Resolves once at least `count` posts of `source` are scored. */
export async function waitForScored(stack: FaultStack, source: string, count: number, timeoutMs = 60_000): Promise<number> {
  let seen = 0;
  await waitUntil(async () => (seen = (await countScored(stack.db, source)) ?? 0) >= count, `${count} posts to be scored`, timeoutMs, 20);
  return seen;
}

/**
 * The posts a fault test sends: `total` posts of which `carrying` quote the memo. Seed 1
 * gives edits that all stay close enough to flag on lexical signals alone, so the expected
 * flags are exactly the carriers.
 */
export function faultStream(source: string, total: number, carrying = Math.max(1, Math.round(total / 100))): DemoStream {
  return demoStream({ total, carrying, source, seed: 1 });
}

export { sleep };
