import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QUEUES, createRedis } from '@undertow/queue';
import { waitUntil } from '../support/http.js';
import { anyText, contentType, dateTimeLike, postLike, rawBody, fieldValue } from './arbitraries.js';
import { CaseCounter, expectClearAnswer, runs, startFuzzHarness, writeCaseCounts, type FuzzHarness } from './fuzz-harness.js';

/**
 * The intake API with posts and engagement updates that are nearly right: every field may be
 * hostile, of the wrong type, over its limit or missing. Each answer is a 202 with a status per
 * item, or a clear 4xx. And what intake accepts must be what the database can store: every
 * post it answered `queued` for is then scored by the worker, and no job fails.
 */
describe('intake, fuzzed', () => {
  let harness: FuzzHarness;
  const counter = new CaseCounter();
  const accepted = new Map<string, { source: string; externalId: string }>();

  beforeAll(async () => {
    harness = await startFuzzHarness(inject('redisUrl'));
  });

  afterAll(async () => {
    if (harness) writeCaseCounts('intake', counter);
    await harness?.close();
  });

  const submit = async (options: InjectOptions) => {
    counter.add('intake', 'POST', '/v1/posts');
    const response = await harness.intake.inject(options);
    expectClearAnswer(response, options);
    expect([202, 400, 413, 415]).toContain(response.statusCode);
    if (response.statusCode !== 202) return;
    const answer = JSON.parse(response.body) as { accepted: number; duplicates: number; rejected: number; items: { index: number; status: string; source?: string; externalId?: string; errors?: { path: string; message: string }[] }[] };
    const sent: unknown = typeof options.payload === 'object' && !Buffer.isBuffer(options.payload) ? options.payload : JSON.parse(options.payload!.toString());
    const items = typeof sent === 'object' && sent !== null && 'posts' in sent ? (sent as { posts: unknown[] }).posts : [sent];
    expect(answer.items).toHaveLength(items.length);
    expect(answer.accepted + answer.duplicates + answer.rejected).toBe(items.length);
    answer.items.forEach((item, index) => {
      expect(item.index).toBe(index);
      if (item.status === 'rejected') {
        // A rejected post names each bad field by its JSON pointer.
        expect(item.errors!.length).toBeGreaterThan(0);
        for (const error of item.errors!) {
          expect(error.path).toMatch(/^\//);
          expect(error.message.length).toBeGreaterThan(0);
        }
      } else {
        expect(['queued', 'duplicate']).toContain(item.status);
        const post = items[index] as { source: string; externalId: string };
        expect({ source: item.source, externalId: item.externalId }).toEqual({ source: post.source, externalId: post.externalId });
        accepted.set(`${post.source}\u0000${post.externalId}`, { source: post.source, externalId: post.externalId });
      }
    });
  };

  it('answers every nearly-right post with a status per item or a clear 4xx', async () => {
    const source = fc.oneof({ weight: 4, arbitrary: fc.constant('fuzz') }, { weight: 1, arbitrary: anyText(20) });
    await fc.assert(
      fc.asyncProperty(fc.oneof(postLike(source).map((p) => [p]), fc.array(postLike(source), { minLength: 1, maxLength: 20 })), fc.boolean(), async (posts, single) => {
        const body = single && posts.length === 1 ? posts[0] : { posts };
        await submit({ method: 'POST', url: '/v1/posts', headers: { 'x-api-key': harness.keys.submitter.secret }, payload: body as object });
      }),
      { numRuns: runs(1500) },
    );
  });

  it('answers bodies that are not a post — not JSON, not UTF-8, not an object, too deep — with a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(rawBody, fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null'))), contentType, async (payload, type) => {
        await submit({ method: 'POST', url: '/v1/posts', headers: { 'x-api-key': harness.keys.submitter.secret, 'content-type': type }, payload });
      }),
      { numRuns: runs(500) },
    );
  });

  it('answers nearly-right engagement updates with a status per item or a clear 4xx', async () => {
    const update = fc
      .record({
        source: fc.oneof(fc.constant('fuzz'), anyText(20)),
        externalId: fc.oneof(fc.uuid(), anyText(20)),
        engagement: fc.oneof(fc.record({ score: fc.oneof(fc.integer(), fieldValue), comments: fc.oneof(fc.nat(), fieldValue), views: fc.oneof(fc.nat(), fieldValue) }, { requiredKeys: [] }), fieldValue),
        observedAt: fc.oneof(dateTimeLike, fieldValue),
      }, { requiredKeys: ['source', 'externalId'] });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.array(update, { minLength: 0, maxLength: 10 }).map((updates) => ({ updates })), fieldValue), async (body) => {
        counter.add('intake', 'POST', '/v1/engagement');
        const options: InjectOptions = { method: 'POST', url: '/v1/engagement', headers: { 'x-api-key': harness.keys.submitter.secret }, payload: JSON.stringify(body) ?? 'null' };
        options.headers!['content-type'] = 'application/json';
        const response = await harness.intake.inject(options);
        expectClearAnswer(response, options);
        expect([202, 400]).toContain(response.statusCode);
      }),
      { numRuns: runs(500) },
    );
  });

  it('answers status look-ups of any post reference with 200, 404 or a 4xx for a malformed one', async () => {
    await fc.assert(
      fc.asyncProperty(anyText(300), anyText(300), async (source, externalId) => {
        counter.add('intake', 'GET', '/v1/posts/:source/:externalId');
        const options: InjectOptions = {
          method: 'GET',
          url: `/v1/posts/${encodeURIComponent(source.replace(/[\ud800-\udfff]/g, '?')) || 'x'}/${encodeURIComponent(externalId.replace(/[\ud800-\udfff]/g, '?')) || 'x'}`,
          headers: { 'x-api-key': harness.keys.submitter.secret },
        };
        const response = await harness.intake.inject(options);
        expectClearAnswer(response, options);
        expect([200, 400, 404, 414]).toContain(response.statusCode);
      }),
      { numRuns: runs(400) },
    );
  });

  it('finds every post it accepted by its reference, whatever the ids hold', async () => {
    // Dot segments are the one thing a path cannot carry: URL parsing resolves them away.
    const id = fc.string({ unit: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), fc.constantFrom('/', '%', '?', '#', ' ', '+', '&')), minLength: 1, maxLength: 256 }).filter((s) => s.length <= 256 && !/^\.{1,2}$/.test(s));
    await fc.assert(
      fc.asyncProperty(id, id, async (source, externalId) => {
        const headers = { 'x-api-key': harness.keys.submitter.secret };
        await submit({ method: 'POST', url: '/v1/posts', headers, payload: { source, externalId, author: { id: 'a' }, text: 'hello', createdAt: '2026-10-21T09:00:00Z' } });
        counter.add('intake', 'GET', '/v1/posts/:source/:externalId');
        const options: InjectOptions = { method: 'GET', url: `/v1/posts/${encodeURIComponent(source)}/${encodeURIComponent(externalId)}`, headers };
        const response = await harness.intake.inject(options);
        expectClearAnswer(response, options);
        expect(response.statusCode, `${source} / ${externalId}`).toBe(200);
        expect(JSON.parse(response.body)).toMatchObject({ source, externalId });
      }),
      { numRuns: runs(200) },
    );
  });

  it('scores every post it accepted: nothing accepted is lost', async () => {
    expect(accepted.size).toBeGreaterThan(50);
    const redis = createRedis(harness.config.redis.url);
    const queue = new Queue(QUEUES.score, { connection: redis, prefix: harness.config.redis.prefix, skipVersionCheck: true });
    try {
      const unscored = async () => {
        const missing: string[] = [];
        for (const ref of accepted.values()) {
          const post = await harness.store.posts.getByRef(ref.source, ref.externalId);
          if (!post || !(await harness.store.scores.get(post.id))) missing.push(JSON.stringify(ref));
        }
        return missing;
      };
      // A job that failed even once (and waits, delayed, for its retry) means the database
      // refused what intake accepted: no transient fault is injected here.
      const failedJobs = async () =>
        (await queue.getJobs(['failed', 'delayed'])).filter((job) => job.failedReason).map((job) => `${JSON.stringify(job.data).slice(0, 300)}: ${job.failedReason}`);
      await waitUntil(async () => (await failedJobs()).length > 0 || (await unscored()).length === 0, 'every accepted post to be scored', 120_000, 500).catch(() => undefined);
      expect(await failedJobs()).toEqual([]);
      expect(await unscored()).toEqual([]);
      console.log(`intake fuzz: ${accepted.size} accepted posts, all scored`);
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});
