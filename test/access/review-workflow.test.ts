import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Signal } from '@undertow/core';
import { createTestSchema, type TestSchema } from '../support/postgres.js';
import { buildApps, type BuiltApps } from './apps.js';

const signal: Signal = { name: 'near-duplicate', value: 0.9, scorer: { name: 'near-duplicate', version: '1' } };
const server = await createTestSchema();

for (const [driver, schema] of [['pglite', null], ['pg', server]] as [string, TestSchema | null][]) {
  describe.skipIf(driver === 'pg' && !schema)(`review workflow over HTTP [${driver}]`, () => {
    let apps: BuiltApps;
    let alice: Record<string, string>;
    let bob: Record<string, string>;

    beforeAll(async () => {
      apps = await buildApps(inject('redisUrl'), schema);
      alice = { 'x-api-key': (await apps.resultsCtx.store.apiKeys.create({ name: 'alice', role: 'reviewer' })).secret };
      bob = { authorization: `Bearer ${(await apps.resultsCtx.store.apiKeys.create({ name: 'bob', role: 'reviewer' })).secret}` };
    });
    afterAll(async () => {
      await apps?.close();
    });

    /** Flags on a new pattern, one per score, optionally in one story; answers their ids. */
    async function seedFlags(scores: number[], opts: { story?: boolean; review?: number } = {}) {
      const { store } = apps.resultsCtx;
      const source = `src-${randomUUID().slice(0, 8)}`;
      const posts = await store.posts.insertMany(
        scores.map((_, i) => ({ source, externalId: `p${i}`, author: { id: `a${i}` }, text: `post ${i}`, createdAt: '2026-10-21T09:00:00Z', urlKeys: [], textHash: `h-${source}-${i}`, minhash: null })),
      );
      const pattern = await store.patterns.create({ kind: 'document', name: `memo ${source}`, text: 'leak', thresholds: { review: opts.review ?? 0.5, priority: 0.95 } });
      const storyId = opts.story ? (await store.db.query<{ id: string }>(`INSERT INTO stories (first_seen_at) VALUES (now()) RETURNING id`))[0]!.id : null;
      const applied = await store.flags.applyScores(
        posts.map((p, i) => ({ postId: p.id, patternId: pattern.id, patternVersion: 1, tier: 'review' as const, score: scores[i]!, signals: [signal], match: null, storyId })),
      );
      return { ids: applied.map((a) => a.flagId), patternId: pattern.id, storyId, source };
    }

    const post = (url: string, headers: Record<string, string>, payload: unknown = {}) => apps.results.inject({ method: 'POST', url, headers, payload: payload as object });
    const get = (url: string, headers: Record<string, string>) => apps.results.inject({ method: 'GET', url, headers });

    it('two reviewers claiming the same flags at once: each flag goes to exactly one, and only they may decide it', async () => {
      const { ids } = await seedFlags(Array.from({ length: 12 }, (_, i) => 0.9 - i * 0.01));
      for (const id of ids) {
        const [a, b] = await Promise.all([post(`/v1/flags/${id}/claim`, alice), post(`/v1/flags/${id}/claim`, bob)]);
        const statuses = [a.statusCode, b.statusCode].sort();
        expect(statuses).toEqual([200, 409]);
        const [winner] = a.statusCode === 200 ? [{ name: 'alice', headers: alice, response: a }] : [{ name: 'bob', headers: bob, response: b }];
        const loserResponse = a.statusCode === 409 ? a : b;
        expect(winner!.response.json()).toMatchObject({ status: 'in_review', claimedBy: winner!.name });
        expect(loserResponse.json()).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`claimed by ${winner!.name}`) });
        const loserHeaders = winner!.name === 'alice' ? bob : alice;
        expect((await post(`/v1/flags/${id}/decision`, loserHeaders, { decision: 'dismiss' })).statusCode).toBe(409);
        expect((await post(`/v1/flags/${id}/release`, loserHeaders)).statusCode).toBe(409);
        const decided = await post(`/v1/flags/${id}/decision`, winner!.headers, { decision: 'confirm', note: 'carries passage 2' });
        expect(decided.json()).toMatchObject({ status: 'confirmed', claimedBy: null });
        const events = (await get(`/v1/flags/${id}/events`, alice)).json().items;
        expect(events.map((e: { type: string; actor: string }) => `${e.type}:${e.actor}`)).toEqual(['opened:system', `claimed:${winner!.name}`, `decided:${winner!.name}`]);
      }
    });

    it('an admin may decide over a claim; the log says whose claim it overrode', async () => {
      const { ids } = await seedFlags([0.8]);
      // No body: the default claim time.
      const claimed = await apps.results.inject({ method: 'POST', url: `/v1/flags/${ids[0]}/claim`, headers: alice });
      expect(claimed.statusCode).toBe(200);
      expect(Date.parse(claimed.json().claimExpiresAt) - Date.now()).toBeGreaterThan(590_000);
      expect((await post(`/v1/flags/${ids[0]}/claim`, alice, { ttlSeconds: 60 })).statusCode).toBe(200);
      const decided = await post(`/v1/flags/${ids[0]}/decision`, apps.keys.admin, { decision: 'escalate' });
      expect(decided.statusCode).toBe(200);
      const last = (await get(`/v1/flags/${ids[0]}/events`, alice)).json().items.at(-1);
      expect(last).toMatchObject({ type: 'decided', actor: 'admin', data: { overrodeClaimOf: 'alice' } });
    });

    it('assigns, notes, and lists the queue by story, assignee and several statuses', async () => {
      const { ids, storyId, source } = await seedFlags([0.9, 0.8, 0.7], { story: true });
      expect((await post(`/v1/flags/${ids[0]}/assign`, alice, { assignee: 'bob' })).json().assignedTo).toBe('bob');
      expect((await post(`/v1/flags/${ids[0]}/notes`, bob, { note: 'same wording as the telegram post' })).statusCode).toBe(201);
      await post(`/v1/flags/${ids[1]}/claim`, bob);
      const byStory = (await get(`/v1/flags?storyId=${storyId}&status=open,in_review`, alice)).json();
      expect(byStory.items.map((f: { id: string }) => f.id)).toEqual(ids);
      expect((await get(`/v1/flags?source=${source}&assignedTo=bob`, alice)).json().items.map((f: { id: string }) => f.id)).toEqual([ids[0]]);
      expect((await get(`/v1/flags?source=${source}&status=in_review`, alice)).json().items.map((f: { id: string }) => f.id)).toEqual([ids[1]]);
      expect((await get(`/v1/flags?status=opened`, alice)).statusCode).toBe(400);
      const history = (await get(`/v1/events?actor=bob&type=noted,claimed`, alice)).json();
      const mine = history.items.filter((e: { flagId: string }) => ids.includes(e.flagId));
      expect(mine.map((e: { type: string; flagId: string }) => `${e.type}:${e.flagId}`)).toEqual([`claimed:${ids[1]}`, `noted:${ids[0]}`]);
      expect(history.items.every((e: { actor: string; type: string }) => e.actor === 'bob' && ['noted', 'claimed'].includes(e.type))).toBe(true);
    });

    it('decides a whole story at once, after a dry run, leaving what another reviewer holds', async () => {
      const { ids, storyId } = await seedFlags([0.9, 0.85, 0.8, 0.75], { story: true });
      await post(`/v1/flags/${ids[2]}/claim`, bob);
      expect((await post('/v1/flags/decisions', alice, { decision: 'dismiss' })).statusCode).toBe(400);
      const dry = (await post('/v1/flags/decisions', alice, { decision: 'confirm', filter: { storyId }, dryRun: true })).json();
      expect(dry).toMatchObject({ dryRun: true, matched: 4, decided: [ids[0], ids[1], ids[3]], skipped: [{ id: ids[2], claimedBy: 'bob' }] });
      const done = (await post('/v1/flags/decisions', alice, { decision: 'confirm', note: 'one relaunch', filter: { storyId } })).json();
      expect(done.decided).toEqual([ids[0], ids[1], ids[3]]);
      const statuses = (await get(`/v1/flags?storyId=${storyId}&status=open,in_review,confirmed`, alice)).json().items.map((f: { id: string; status: string }) => [f.id, f.status]);
      expect(Object.fromEntries(statuses)).toEqual({ [ids[0]!]: 'confirmed', [ids[1]!]: 'confirmed', [ids[2]!]: 'in_review', [ids[3]!]: 'confirmed' });
      // By selection.
      const picked = (await post('/v1/flags/decisions', bob, { decision: 'dismiss', ids: [ids[2]] })).json();
      expect(picked.decided).toEqual([ids[2]]);
    });

    it('stats: precision per pattern, too loose at the review threshold, and the threshold that reaches the target', async () => {
      // 10 flags 0.95…0.50; reviewers confirm those from 0.75 up and dismiss the rest.
      const scores = Array.from({ length: 10 }, (_, i) => Math.round((0.95 - i * 0.05) * 100) / 100);
      const { ids, patternId } = await seedFlags(scores, { review: 0.5 });
      for (const [i, id] of ids.entries()) {
        await post(`/v1/flags/${id}/claim`, alice);
        await post(`/v1/flags/${id}/decision`, alice, { decision: scores[i]! >= 0.75 ? 'confirm' : 'dismiss' });
      }
      const stats = (await get('/v1/stats', bob)).json();
      const pattern = stats.patterns.find((p: { patternId: string }) => p.patternId === patternId);
      expect(pattern).toMatchObject({
        flags: { total: 10, byStatus: { confirmed: 5, dismissed: 5 } },
        decisions: { decisions: 10, byDecision: { confirm: 5, dismiss: 5, escalate: 0 }, claimed: 10 },
        precision: { value: 0.5, confirmed: 5, dismissed: 5 },
        atReviewThreshold: { threshold: 0.5, precision: 0.5 },
        tooLoose: true,
        suggestion: { targetPrecision: 0.9, threshold: 0.75, precision: 1, confirmed: 5, dismissed: 0, below: { confirmed: 0, dismissed: 5 }, sufficient: true },
      });
      expect(pattern.decisions.handlingSeconds.median).not.toBeNull();
      expect(stats.queue.byStatus.confirmed).toBeGreaterThanOrEqual(5);
      expect(stats.decisions.decisions).toBeGreaterThanOrEqual(10);
      // A looser target moves the suggestion down.
      const loose = (await get('/v1/stats?targetPrecision=0.6', bob)).json().patterns.find((p: { patternId: string }) => p.patternId === patternId);
      expect(loose.suggestion.threshold).toBe(0.6);
      expect(loose.tooLoose).toBe(true);
    });

    it('keys: an admin makes, lists and revokes keys; the secret is shown once; the last admin key stays', async () => {
      const made = await post('/v1/keys', apps.keys.admin, { name: 'carol', role: 'reviewer', rateLimit: 100 });
      expect(made.statusCode).toBe(201);
      const { key, secret } = made.json();
      expect(key).toMatchObject({ name: 'carol', role: 'reviewer', rateLimit: 100, createdBy: 'admin' });
      expect((await get('/v1/me', { 'x-api-key': secret })).json()).toMatchObject({ name: 'carol', role: 'reviewer', rateLimitPerMinute: 100 });
      const listed = (await get('/v1/keys', apps.keys.admin)).json().items;
      expect(listed.find((k: { id: string }) => k.id === key.id)).toEqual({ ...key, lastUsedAt: expect.any(String) });
      expect(JSON.stringify(listed)).not.toContain(secret);
      expect((await apps.results.inject({ method: 'DELETE', url: `/v1/keys/${key.id}`, headers: apps.keys.admin })).json().revokedAt).not.toBeNull();
      const admins = (await get('/v1/keys', apps.keys.admin)).json().items.filter((k: { role: string }) => k.role === 'admin');
      expect(admins).toHaveLength(1);
      const last = await apps.results.inject({ method: 'DELETE', url: `/v1/keys/${admins[0].id}`, headers: apps.keys.admin });
      expect(last.statusCode).toBe(409);
      expect((await post('/v1/keys', apps.keys.admin, { name: 'x', role: 'root' })).statusCode).toBe(400);
    });

    it('limits a key to its own rate, across both APIs sharing Redis', async () => {
      const { secret } = await apps.resultsCtx.store.apiKeys.create({ name: 'tight', role: 'admin', rateLimit: 3 });
      const headers = { 'x-api-key': secret };
      expect((await apps.results.inject({ method: 'GET', url: '/v1/me', headers })).statusCode).toBe(200);
      expect((await apps.intake.inject({ method: 'GET', url: '/v1/me', headers })).statusCode).toBe(200);
      expect((await apps.results.inject({ method: 'GET', url: '/v1/me', headers })).statusCode).toBe(200);
      const limited = await apps.intake.inject({ method: 'GET', url: '/v1/me', headers });
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBeDefined();
      expect((await apps.results.inject({ method: 'GET', url: '/v1/me', headers: alice })).statusCode).toBe(200);
    });
  });
}
