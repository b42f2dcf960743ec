import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LEAKED_MEMO, demoStream, memoParagraphs } from '@undertow/cli';
import { call, waitUntil } from '../support/http.js';
import { createTestSchema, type TestSchema } from '../support/postgres.js';
import { REPO_ROOT, freePort, startService, waitReady, type ServiceProcess } from '../support/services.js';

const schema = await createTestSchema();
const ADMIN_KEY = `test-admin-${randomUUID()}`;
const admin = { 'x-api-key': ADMIN_KEY };

interface RescanBody {
  id: string;
  state: string;
  patterns: { id: string; version: number }[];
  total: number;
  done: number;
  newlyFlagged: number;
  noLongerFlagged: number;
  rescored: number;
  chunks: { total: number; done: number };
  rate: number | null;
  etaSeconds: number | null;
}

interface ChunkBody {
  idx: number;
  firstPostId: string;
  lastPostId: string;
  checked: number | null;
  done: boolean;
  attempts: number;
}

/**
 * Rescans through the real services, each its own process, on PostgreSQL and a private Redis:
 * 1,000 posts are stored before the document they partly quote is known; uploading it rescans
 * them; a rescan can be cancelled; a worker killed in the middle of a chunk loses nothing.
 */
describe.skipIf(!schema)('rescans (three services, real PostgreSQL, private Redis)', () => {
  const db = schema as TestSchema;
  const stream = demoStream({ total: 1000, carrying: 20, source: 'rescan' });
  const services: ServiceProcess[] = [];
  let worker: ServiceProcess | undefined;
  let env: Record<string, string> = {};
  let intake = '';
  let results = '';
  let sql: pg.Client;
  /** A second connection: activity statistics read inside `sql`'s transaction would stay frozen. */
  let watch: pg.Client;
  let memoId = '';

  const startWorker = async (extra: Record<string, string> = {}) => {
    const started = startService('worker', { ...env, ...extra });
    services.push(started);
    // The worker has no HTTP port: it is up once it has opened its queues.
    await sleep(1500);
    if (started.child.exitCode !== null) throw new Error(`worker exited:\n${started.output()}`);
    return started;
  };

  const rescanOf = async (id: string) => (await call<RescanBody>(results, 'GET', `/v1/rescans/${id}`, undefined, admin)).body;
  const chunksOf = async (id: string) => (await call<{ items: ChunkBody[] }>(results, 'GET', `/v1/rescans/${id}/chunks`, undefined, admin)).body.items;
  const waitEnded = async (id: string, seen: RescanBody[] = []) => {
    await waitUntil(
      async () => {
        const rescan = await rescanOf(id);
        seen.push(rescan);
        return ['completed', 'cancelled', 'failed'].includes(rescan.state);
      },
      `rescan ${id} to end`,
      90_000,
      50,
    );
    return seen.at(-1)!;
  };
  const flagsOf = async (patternId: string) => {
    const listed = await call(results, 'GET', `/v1/flags?patternId=${patternId}&limit=500`, undefined, admin);
    return listed.body.items as { id: string; patternVersion: number; post: { externalId: string } }[];
  };
  const dump = () => {
    for (const s of services) console.error(`--- ${s.name} output ---\n${s.output()}`);
  };

  beforeAll(async () => {
    const [intakePort, resultsPort] = [await freePort(), await freePort()];
    env = {
      DATABASE_URL: db.url,
      DATABASE_SCHEMA: db.schema,
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: `rescan-${randomUUID()}`,
      INTAKE_PORT: String(intakePort),
      RESULTS_PORT: String(resultsPort),
      MODEL: 'none',
      UNDERTOW_ADMIN_KEY: ADMIN_KEY,
      // Small chunks, so that a rescan of 1,000 posts has 20 to share and to lose.
      RESCAN_CHUNK_SIZE: '50',
      // A killed worker's chunk is taken over after 2 s instead of 30.
      WORKER_LOCK_MS: '2000',
      WORKER_METRICS_PORT: '0',
    };
    intake = `http://127.0.0.1:${intakePort}`;
    results = `http://127.0.0.1:${resultsPort}`;
    services.push(startService('results', env));
    await waitReady(results, services[0]!);
    services.push(startService('intake', env));
    await waitReady(intake, services[1]!);
    worker = await startWorker();
    sql = new pg.Client({ connectionString: db.url, options: `-c search_path=${db.schema}` });
    await sql.connect();
    watch = new pg.Client({ connectionString: db.url });
    await watch.connect();
  }, 60_000);

  afterAll(async () => {
    await sql?.end();
    await watch?.end();
    await Promise.all(services.map((s) => s.kill()));
    await schema?.drop();
  });

  it('flags every stored post that quotes a newly uploaded document, with progress reaching 100%', async () => {
    try {
      const submitted = await call(intake, 'POST', '/v1/posts', { posts: stream.posts }, admin);
      expect(submitted.body).toMatchObject({ accepted: 1000 });
      await waitUntil(async () => Number((await sql.query('SELECT count(*) AS n FROM scores')).rows[0].n) === 1000, 'all 1,000 posts to be scored', 90_000, 250);

      // The admin uploads the leaked document as a Markdown file.
      const uploaded = await call(results, 'POST', '/v1/patterns?name=Harwick%20memo&tags=T0089,T0023', LEAKED_MEMO, { ...admin, 'content-type': 'text/markdown' });
      expect(uploaded.status).toBe(201);
      expect(uploaded.body).toMatchObject({ kind: 'document', name: 'Harwick memo', text: LEAKED_MEMO, tags: ['T0089', 'T0023'], version: 1 });
      memoId = uploaded.body.id;

      let rescanId = '';
      await waitUntil(
        async () => {
          const listed = await call<{ items: RescanBody[] }>(results, 'GET', '/v1/rescans', undefined, admin);
          rescanId = listed.body.items.find((r) => r.patterns[0]?.id === memoId)?.id ?? '';
          return rescanId !== '';
        },
        'the automatic rescan to start',
        30_000,
      );
      const seen: RescanBody[] = [];
      const final = await waitEnded(rescanId, seen);
      expect(final).toMatchObject({ state: 'completed', total: 1000, done: 1000, newlyFlagged: 20, noLongerFlagged: 0, rescored: 20, chunks: { total: 20, done: 20 }, etaSeconds: 0 });
      expect(final.rate).toBeGreaterThan(0);
      const dones = seen.map((r) => r.done);
      expect(dones).toEqual([...dones].sort((a, b) => a - b));

      const flags = await flagsOf(memoId);
      expect(flags.map((f) => f.post.externalId).sort()).toEqual([...stream.carriers.keys()].sort());
      // Raised by the rescan: live scoring never saw the document.
      for (const flag of flags) {
        const events = await call(results, 'GET', `/v1/flags/${flag.id}/events`, undefined, admin);
        expect(events.body.items.map((e: { type: string; actor: string }) => [e.type, e.actor])).toEqual([['opened', `rescan:${rescanId}`]]);
      }
      const chunks = await chunksOf(rescanId);
      expect(chunks.every((c) => c.done && c.attempts === 1)).toBe(true);
      expect(chunks.reduce((n, c) => n + c.checked!, 0)).toBe(1000);
    } catch (error) {
      dump();
      throw error;
    }
  }, 180_000);

  it('`undertow rescan` starts a rescan and shows its progress until it ends', async () => {
    const run = spawn(process.execPath, ['packages/cli/dist/undertow.js', 'rescan', '--patterns', memoId, '--reason', 'checking the CLI', '--url', results, '--key', ADMIN_KEY], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    run.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    run.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
    expect(output).toMatch(/rescan \d+ started: 1000 posts against 1 pattern/);
    // Nothing changed since the automatic rescan: every post checked, none newly flagged.
    expect(output).toMatch(/rescan \d+ completed: 1000 of 1000 posts checked in [\d.]+ s \([\d,]+ posts\/s\); newly flagged 0, no longer flagged 0, scores changed 0/);
    expect(code).toBe(0);
  }, 60_000);

  it('deactivating a pattern starts no rescan; reactivating it rescans with the new version', async () => {
    const rescansBefore = (await call<{ items: RescanBody[] }>(results, 'GET', '/v1/rescans', undefined, admin)).body.items.length;
    const off = await call(results, 'PUT', `/v1/patterns/${memoId}`, { kind: 'document', name: 'Harwick memo', active: false }, admin);
    expect(off.body).toMatchObject({ version: 2, active: false });
    await waitUntil(async () => (await call(results, 'GET', `/v1/patterns/${memoId}`, undefined, admin)).body.status === 'ready', 'version 2 to be indexed');
    await sleep(500);
    expect((await call<{ items: RescanBody[] }>(results, 'GET', '/v1/rescans', undefined, admin)).body.items).toHaveLength(rescansBefore);

    const on = await call(results, 'PUT', `/v1/patterns/${memoId}`, { kind: 'document', name: 'Harwick memo', active: true }, admin);
    expect(on.body).toMatchObject({ version: 3, active: true });
    let rescanId = '';
    await waitUntil(
      async () => {
        const listed = await call<{ items: RescanBody[] }>(results, 'GET', '/v1/rescans', undefined, admin);
        rescanId = listed.body.items.find((r) => r.patterns[0]?.id === memoId && r.patterns[0]?.version === 3)?.id ?? '';
        return rescanId !== '';
      },
      'the rescan of version 3',
      30_000,
    );
    // The same posts still carry the document: the flags stay, now recording version 3.
    expect(await waitEnded(rescanId)).toMatchObject({ state: 'completed', done: 1000, newlyFlagged: 0, noLongerFlagged: 0, rescored: 20 });
    const flags = await flagsOf(memoId);
    expect(flags).toHaveLength(20);
    expect(new Set(flags.map((f) => f.patternVersion))).toEqual(new Set([3]));
    const versions = await sql.query(`SELECT DISTINCT (versions->'patterns'->>$1)::int AS v FROM scores WHERE versions->'patterns' ? $1`, [memoId]);
    expect(versions.rows).toEqual([{ v: 3 }]);
  }, 90_000);

  it('cancelling a rescan stops its work: chunks caught mid-write write nothing', async () => {
    // Workers from here on start no automatic rescans, so that only the rescans asked for run.
    await worker!.kill();
    worker = await startWorker({ RESCAN_RECENT_DAYS: '0' });
    const pattern = await readyDocument('Harwick memo, middle pages', memoParagraphs().slice(3, 6).join('\n\n'));

    // Chunks that have posts to flag block on their flag writes, holding their work uncommitted.
    await sql.query('BEGIN');
    await sql.query('LOCK TABLE flags IN SHARE MODE');
    let id = '';
    try {
      const started = await call<RescanBody>(results, 'POST', '/v1/rescans', { patternIds: [pattern], reason: 'to be cancelled' }, admin);
      expect(started.status).toBe(202);
      expect(started.headers.get('location')).toBe(`/v1/rescans/${started.body.id}`);
      id = started.body.id;
      await waitUntil(async () => (await blockedFlagWrites()) > 0, 'a chunk to be mid-write', 30_000);
      const cancelled = await call<RescanBody>(results, 'DELETE', `/v1/rescans/${id}`, undefined, admin);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.state).toBe('cancelled');
    } finally {
      await sql.query('ROLLBACK');
    }

    const final = await waitEnded(id);
    await sleep(1000);
    const after = await rescanOf(id);
    const chunks = await chunksOf(id);
    expect(after).toMatchObject({ state: 'cancelled', done: final.done, newlyFlagged: 0 });
    expect(after.done).toBeLessThan(1000);
    expect(after.done).toBe(chunks.filter((c) => c.done).reduce((n, c) => n + c.checked!, 0));
    expect(chunks.some((c) => !c.done)).toBe(true);
    expect(await flagsOf(pattern)).toEqual([]);
    expect((await call(results, 'DELETE', `/v1/rescans/${id}`, undefined, admin)).status).toBe(409);
  }, 90_000);

  it('a worker killed in the middle of a chunk loses nothing: the rescan completes with every post checked exactly once', async () => {
    const excerpt = await readyDocument('Harwick memo, first pages', memoParagraphs().slice(0, 3).join('\n\n'));
    const quoting = [...stream.carriers].filter(([, paragraph]) => paragraph < 3).map(([externalId]) => externalId);
    expect(quoting.length).toBeGreaterThan(0);

    await sql.query('BEGIN');
    await sql.query('LOCK TABLE flags IN SHARE MODE');
    let id = '';
    try {
      id = (await call<RescanBody>(results, 'POST', '/v1/rescans', { patternIds: [excerpt], reason: 'survives a crash' }, admin)).body.id;
      // The worker has written a chunk's scores and waits to write its flags: kill it there.
      await waitUntil(async () => (await blockedFlagWrites()) > 0, 'a chunk to be mid-write', 30_000);
      await worker!.kill('SIGKILL');
    } finally {
      await sql.query('ROLLBACK');
    }
    worker = await startWorker({ RESCAN_RECENT_DAYS: '0' });

    const final = await waitEnded(id);
    expect(final).toMatchObject({ state: 'completed', total: 1000, done: 1000, newlyFlagged: quoting.length, noLongerFlagged: 0, chunks: { total: 20, done: 20 } });
    const chunks = await chunksOf(id);
    // Every chunk done once, their post ranges disjoint, their counts summing to the total;
    // the chunks the dead worker held were started again.
    expect(chunks.every((c) => c.done)).toBe(true);
    expect(chunks.reduce((n, c) => n + c.checked!, 0)).toBe(1000);
    for (let i = 1; i < chunks.length; i++) expect(BigInt(chunks[i]!.firstPostId)).toBeGreaterThan(BigInt(chunks[i - 1]!.lastPostId));
    expect(Math.max(...chunks.map((c) => c.attempts))).toBeGreaterThanOrEqual(2);
    const [{ n: inRange }] = (await sql.query(`SELECT count(*)::int AS n FROM posts WHERE id BETWEEN $1 AND $2`, [chunks[0]!.firstPostId, chunks.at(-1)!.lastPostId])).rows;
    expect(inRange).toBe(1000);

    // Each post quoting the excerpt flagged once, with one 'opened' event, by this rescan.
    const flags = await flagsOf(excerpt);
    expect(flags.map((f) => f.post.externalId).sort()).toEqual([...quoting].sort());
    const events = await sql.query(
      `SELECT e.type, e.actor, count(*)::int AS n FROM flag_events e JOIN flags f ON f.id = e.flag_id WHERE f.pattern_id = $1 GROUP BY 1, 2`,
      [excerpt],
    );
    expect(events.rows).toEqual([{ type: 'opened', actor: `rescan:${id}`, n: quoting.length }]);
    // The memo's results on the same posts were kept beside the excerpt's.
    const both = await sql.query(`SELECT count(*)::int AS n FROM scores WHERE versions->'patterns' ?& $1::text[]`, [[memoId, excerpt]]);
    expect(both.rows[0].n).toBe(quoting.length);
  }, 120_000);

  async function readyDocument(name: string, text: string): Promise<string> {
    const created = await call(results, 'POST', '/v1/patterns', { kind: 'document', name, text }, admin);
    expect(created.status).toBe(201);
    await waitUntil(async () => (await call(results, 'GET', `/v1/patterns/${created.body.id}`, undefined, admin)).body.status === 'ready', `${name} to be indexed`);
    return created.body.id as string;
  }

  /** Connections waiting for the flags table while writing a chunk's flags. */
  async function blockedFlagWrites(): Promise<number> {
    const result = await watch.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO flags%'`);
    return result.rows[0].n as number;
  }
});
