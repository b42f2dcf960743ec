import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { PostInput } from '@undertow/core';
import { LEAKED_MEMO, memoParagraphs, startProduct, type RunningProduct } from '@undertow/cli';
import { loadConfig } from '@undertow/config';
import { call, waitUntil } from '../support/http.js';

const ADMIN_KEY = `test-admin-${randomUUID()}`;
const auth = { 'x-api-key': ADMIN_KEY };
const T0 = Date.parse('2026-10-21T09:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const daysBefore = (minutes: number, days: number) => new Date(T0 + minutes * 60_000 - days * 86_400_000).toISOString();
const passage = memoParagraphs()[3]!; // the staffing paragraph

let product: RunningProduct | undefined;
let dataDir = '';

afterEach(async () => {
  await product?.close();
  product = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

/** A fresh one-process product with the memo registered as a document pattern. */
async function start(): Promise<{ intake: string; results: string; patternId: string }> {
  dataDir = await mkdtemp(join(tmpdir(), 'undertow-stories-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    REDIS_URL: inject('redisUrl'),
    REDIS_PREFIX: `stories-${randomUUID()}`,
    INTAKE_PORT: '0',
    RESULTS_PORT: '0',
    MODEL: 'none',
    UNDERTOW_ADMIN_KEY: ADMIN_KEY,
  });
  product = await startProduct(config, pino({ level: 'warn' }));
  const created = await call(product.resultsUrl, 'POST', '/v1/patterns', { kind: 'document', name: 'Harwick memo', text: LEAKED_MEMO }, auth);
  expect(created.status).toBe(201);
  await waitUntil(async () => (await call(product!.resultsUrl, 'GET', `/v1/patterns/${created.body.id}`, undefined, auth)).body.status === 'ready', 'indexing');
  return { intake: product.intakeUrl, results: product.resultsUrl, patternId: created.body.id };
}

async function submit(intake: string, posts: PostInput[]): Promise<void> {
  const response = await call(intake, 'POST', '/v1/posts', { posts }, auth);
  expect(response.status).toBe(202);
  expect(response.body.rejected).toBe(0);
  for (const post of posts) {
    await waitUntil(async () => (await call(intake, 'GET', `/v1/posts/${post.source}/${post.externalId}`, undefined, auth)).body?.status === 'scored', `${post.externalId} scored`);
  }
}

const firstAppearance = (engagement?: PostInput['engagement']): PostInput => ({
  source: 'reddit',
  externalId: 'origin',
  author: { id: 'leaker', handle: 'leaker', createdAt: daysBefore(0, 1) },
  community: 'r/harwickdocks',
  text: `Found this in a bin bag outside the port office: ${passage}`,
  createdAt: at(0),
  ...(engagement ? { engagement } : {}),
});

/** Five accounts relaunch the material three hours later into four communities, each quoting with edits. */
function relaunch(accountAgeDays: number): PostInput[] {
  const sentences = passage.split(/(?<=\.)\s+/);
  const communities = ['r/ukpolitics', 'r/unions', 'r/shipping', 'r/news', 'r/ukpolitics'];
  return communities.map((community, i) => ({
    source: 'reddit',
    externalId: `relaunch-${i}`,
    author: { id: `acct-${i}`, handle: `acct_${i}`, createdAt: daysBefore(180 + i * 4, accountAgeDays + i * 0.5) },
    community,
    text: `${['Read this', 'They hid this', 'Leaked memo', 'Wow', 'Share widely'][i]}: "${sentences.slice(0, 2).join(' ').replace('workforce', 'staff')}"`,
    createdAt: at(180 + i * 4),
  }));
}

async function flagsOf(results: string, externalId: string, patternId: string) {
  const list = await call(results, 'GET', `/v1/flags?source=reddit&patternId=${patternId}&limit=100`, undefined, auth);
  return list.body.items.filter((f: { post: { externalId: string } }) => f.post.externalId === externalId);
}

const signalNames = (flag: { signals: { name: string }[] }) => flag.signals.map((s) => s.name);

describe('stories and amplification signals, end to end', () => {
  it('(a) flags a low-traction relaunch by young accounts as priority, with the timeline as evidence', async () => {
    const { intake, results, patternId } = await start();
    await submit(intake, [firstAppearance({ score: 1, comments: 0, observedAt: at(120) })]);
    await submit(intake, relaunch(3));

    for (let i = 1; i < 5; i++) {
      const [flag] = await flagsOf(results, `relaunch-${i}`, patternId);
      expect(flag, `relaunch-${i} flagged`).toBeDefined();
      expect(flag.tier).toBe('priority');
      expect(signalNames(flag)).toEqual(expect.arrayContaining(['near-duplicate', 'low-traction-relaunch', 'young-account']));
    }
    const [last] = await flagsOf(results, 'relaunch-4', patternId);
    const detail = await call(results, 'GET', `/v1/flags/${last.id}`, undefined, auth);
    const relaunchSignal = detail.body.signals.find((s: { name: string }) => s.name === 'low-traction-relaunch');
    expect(relaunchSignal.detail.summary).toBe(
      'first appeared 2026-10-21 09:00 UTC in r/harwickdocks with traction 1; relaunched 3 h later by 5 accounts (5 under 7 days old) into 4 communities',
    );
    const story = await call(results, 'GET', `/v1/stories/${detail.body.storyId}`, undefined, auth);
    expect(story.status).toBe(200);
    expect(story.body).toMatchObject({ postCount: 6, authorCount: 6, communityCount: 5 });
    expect(story.body.timeline[0]).toMatchObject({ externalId: 'origin', via: 'origin', community: 'r/harwickdocks', engagement: { score: 1 } });
    expect(story.body.timeline.slice(1).map((p: { accountAgeDays: number }) => p.accountAgeDays < 7)).toEqual([true, true, true, true, true]);
    expect(story.body.signals.map((s: { name: string }) => s.name)).toContain('low-traction-relaunch');
  }, 120_000);

  it('(b) gives organic spread (traction first, years-old reposters) no relaunch signal', async () => {
    const { intake, results, patternId } = await start();
    await submit(intake, [{ ...firstAppearance({ score: 900, comments: 120, shares: 40, observedAt: at(120) }), author: { id: 'newsdesk', createdAt: '2012-01-01T00:00:00Z' } }]);
    await submit(intake, relaunch(3000));
    for (let i = 0; i < 5; i++) {
      for (const flag of await flagsOf(results, `relaunch-${i}`, patternId)) {
        expect(signalNames(flag)).not.toContain('low-traction-relaunch');
        expect(signalNames(flag)).not.toContain('young-account');
      }
    }
    const behaviour = await call(results, 'GET', `/v1/flags?patternId=builtin-low-traction-relaunch`, undefined, auth);
    expect(behaviour.body.items).toEqual([]);
  }, 120_000);

  it('(c) still catches the relaunch when the first appearance traction arrives after the relaunch posts', async () => {
    const { intake, results, patternId } = await start();
    await submit(intake, [firstAppearance()]);
    await submit(intake, relaunch(3));
    const before = await flagsOf(results, 'relaunch-4', patternId);
    expect(before.flatMap(signalNames)).not.toContain('low-traction-relaunch');

    const update = await call(intake, 'POST', '/v1/engagement', { updates: [{ source: 'reddit', externalId: 'origin', engagement: { score: 1, comments: 0 }, observedAt: at(400) }] }, auth);
    expect(update.status).toBe(202);
    await waitUntil(async () => (await flagsOf(results, 'relaunch-4', patternId)).flatMap(signalNames).includes('low-traction-relaunch'), 'the relaunch re-evaluated');
    const [flag] = await flagsOf(results, 'relaunch-4', patternId);
    expect(flag.tier).toBe('priority');
    const events = await call(results, 'GET', `/v1/flags/${flag.id}/events`, undefined, auth);
    expect(events.body.items.map((e: { type: string }) => e.type)).toContain('rescored');
    const relaunchFlags = await call(results, 'GET', `/v1/flags?patternId=builtin-low-traction-relaunch`, undefined, auth);
    expect(relaunchFlags.body.items.length).toBeGreaterThanOrEqual(4);
  }, 120_000);
});
