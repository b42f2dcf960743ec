import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LEAKED_MEMO, demoStream, memoParagraphs, startProduct, type RunningProduct } from '@undertow/cli';
import { loadConfig } from '@undertow/config';
import { rescanCommand } from '../../packages/cli/src/commands/rescan.js';
import { call, waitUntil } from '../support/http.js';

const ADMIN_KEY = `test-admin-${randomUUID()}`;
const admin = { 'x-api-key': ADMIN_KEY };

/** Rescans in the embedded default: intake, worker and results in one process on PGlite. */
describe('rescans in one process (PGlite)', () => {
  let product: RunningProduct;
  let dataDir = '';
  const stream = demoStream({ total: 120, carrying: 6, source: 'one-rescan' });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'undertow-rescan-'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: `one-rescan-${randomUUID()}`,
      INTAKE_PORT: '0',
      RESULTS_PORT: '0',
      MODEL: 'none',
      UNDERTOW_ADMIN_KEY: ADMIN_KEY,
      RESCAN_CHUNK_SIZE: '25',
      WORKER_METRICS_PORT: '0',
    });
    product = await startProduct(config, pino({ level: 'warn' }));
  }, 60_000);

  afterAll(async () => {
    await product?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('rescans stored posts when a document is added, and `undertow rescan` follows a rescan to its end', async () => {
    const submitted = await call(product.intakeUrl, 'POST', '/v1/posts', { posts: stream.posts }, admin);
    expect(submitted.body).toMatchObject({ accepted: 120 });
    const last = stream.posts.at(-1)!;
    await waitUntil(async () => {
      for (const post of stream.posts) {
        if ((await call(product.intakeUrl, 'GET', `/v1/posts/${post.source}/${post.externalId}`, undefined, admin)).body?.status !== 'scored') return false;
      }
      return true;
    }, `all posts up to ${last.externalId} to be scored`, 60_000, 250);

    // The API docs say a pattern may be uploaded as a file.
    const docs = await call(product.resultsUrl, 'GET', '/docs/json');
    expect(Object.keys(docs.body.paths['/v1/patterns'].post.requestBody.content)).toEqual(['application/json', 'text/plain', 'text/markdown', 'text/x-markdown']);
    expect(docs.body.paths['/v1/rescans/{id}']).toHaveProperty('delete');

    // A bad upload names the missing field.
    const nameless = await call(product.resultsUrl, 'POST', '/v1/patterns?kind=document', LEAKED_MEMO, { ...admin, 'content-type': 'text/plain' });
    expect(nameless.status).toBe(400);
    expect(nameless.body.message).toMatch(/name/);

    const uploaded = await call(product.resultsUrl, 'POST', '/v1/patterns?name=Harwick%20memo&review=0.5&priority=0.8', LEAKED_MEMO, { ...admin, 'content-type': 'text/plain' });
    expect(uploaded.status).toBe(201);
    const patternId: string = uploaded.body.id;
    let rescanId = '';
    await waitUntil(async () => {
      const listed = await call(product.resultsUrl, 'GET', '/v1/rescans?state=completed', undefined, admin);
      rescanId = listed.body.items.find((r: { patterns: { id: string }[] }) => r.patterns[0]?.id === patternId)?.id ?? '';
      return rescanId !== '';
    }, 'the automatic rescan to complete', 60_000);
    const rescan = await call(product.resultsUrl, 'GET', `/v1/rescans/${rescanId}`, undefined, admin);
    expect(rescan.body).toMatchObject({ state: 'completed', total: 120, done: 120, newlyFlagged: 6, chunks: { total: 5, done: 5 } });
    const flags = await call(product.resultsUrl, 'GET', `/v1/flags?patternId=${patternId}&limit=100`, undefined, admin);
    expect(flags.body.items.map((f: { post: { externalId: string } }) => f.post.externalId).sort()).toEqual([...stream.carriers.keys()].sort());

    // The CLI, without a terminal, prints progress lines and a summary.
    let output = '';
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString();
        done();
      },
    });
    const code = await rescanCommand(['--patterns', patternId, '--reason', 'again', '--from', '2026-10-21T09:00:00Z'], {
      env: { UNDERTOW_RESULTS_URL: product.resultsUrl, UNDERTOW_API_KEY: ADMIN_KEY },
      out,
      pollMs: 100,
    });
    expect(code).toBe(0);
    expect(output).toMatch(/rescan \d+ started: 120 posts against 1 pattern/);
    expect(output).toMatch(/rescan \d+ completed: 120 of 120 posts checked .*newly flagged 0, no longer flagged 0/);
  }, 120_000);

  it('two patterns added at once are both rescanned over the same posts, neither undoing the other', async () => {
    const paragraphs = memoParagraphs();
    const ranges = [
      [0, 5],
      [2, 9],
    ] as const;
    const ids: string[] = [];
    for (const [from, to] of ranges) {
      const created = await call(product.resultsUrl, 'POST', '/v1/patterns', { kind: 'document', name: `memo ${from}-${to}`, text: paragraphs.slice(from, to).join('\n\n') }, admin);
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    await waitUntil(async () => {
      const listed = await call(product.resultsUrl, 'GET', '/v1/rescans?state=completed', undefined, admin);
      return ids.every((id) => listed.body.items.some((r: { patterns: { id: string }[] }) => r.patterns[0]?.id === id));
    }, 'both rescans to complete', 60_000);
    for (const [i, [from, to]] of ranges.entries()) {
      const expected = [...stream.carriers].filter(([, paragraph]) => paragraph >= from && paragraph < to).map(([externalId]) => externalId);
      const flags = await call(product.resultsUrl, 'GET', `/v1/flags?patternId=${ids[i]}&limit=100`, undefined, admin);
      expect(flags.body.items.map((f: { post: { externalId: string } }) => f.post.externalId).sort()).toEqual(expected.sort());
    }
  }, 90_000);
});
