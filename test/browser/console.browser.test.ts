import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startProduct, type RunningProduct } from '@undertow/cli';
import { loadConfig } from '@undertow/config';
import { call } from '../support/http.js';
import { REPO_ROOT } from '../support/services.js';
import { launchChromium, type Browser } from './chromium.js';
import { seedProduct, type SeededProduct } from './scenario.js';

const ADMIN_KEY = `test-admin-${randomUUID()}`;

/** Where screenshots go: docs/screenshots with UPDATE_SCREENSHOTS=1, else a temporary folder. */
const SCREENSHOTS = process.env['UPDATE_SCREENSHOTS'] === '1' ? join(REPO_ROOT, 'docs', 'screenshots') : join(tmpdir(), 'undertow-screenshots');

interface TargetFlag {
  id: string;
  storyId: string;
  postId: string;
  passageText: string;
}

describe('review console in headless Chromium', () => {
  let product: RunningProduct;
  let dataDir = '';
  let seeded: SeededProduct;
  let browser: Browser;
  let page: Page;
  let target: TargetFlag;
  let storyPosts = 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'undertow-browser-'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: `browser-${randomUUID()}`,
      INTAKE_PORT: '0',
      RESULTS_PORT: '0',
      MODEL: 'none',
      UNDERTOW_ADMIN_KEY: ADMIN_KEY,
    });
    product = await startProduct(config, pino({ level: 'warn' }));
    seeded = await seedProduct(product.intakeUrl, product.resultsUrl, ADMIN_KEY);

    // The flag the reviewer will open: a relaunch post's memo flag, which has a story.
    const reviewer = { 'x-api-key': seeded.keys.reviewer };
    const queue = await call(product.resultsUrl, 'GET', `/v1/flags?patternId=${seeded.patternId}&limit=100`, undefined, reviewer);
    expect(queue.status).toBe(200);
    const relaunched = queue.body.items.find((f: { post: { externalId: string }; storyId: string | null; match: unknown }) => f.post.externalId === 't3_relaunch_2' && f.storyId && f.match);
    expect(relaunched, 'the relaunch post is flagged for the memo, with its story and passage').toBeDefined();
    target = { id: relaunched.id, storyId: relaunched.storyId, postId: relaunched.postId, passageText: relaunched.match.passageText };
    const story = await call(product.resultsUrl, 'GET', `/v1/stories/${target.storyId}`, undefined, reviewer);
    expect(story.status, 'GET /v1/stories/:id').toBe(200);
    storyPosts = story.body.timeline.length;
    expect(storyPosts).toBeGreaterThanOrEqual(6);

    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
  });

  afterAll(async () => {
    await browser?.close();
    await product?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function signIn(key: string) {
    await page.goto(product.resultsUrl);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('refuses a submitter key, in the console and at the API', async () => {
    await signIn(seeded.keys.submitter);
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/submitter key: it can only submit posts/);
    expect(await page.getByRole('heading', { name: 'Flagged queue' }).count()).toBe(0);
    const refused = await call(product.resultsUrl, 'GET', '/v1/flags', undefined, { authorization: `Bearer ${seeded.keys.submitter}` });
    expect(refused.status).toBe(403);
  });

  it('shows a reviewer the queue by priority, with the story of the relaunch grouped', async () => {
    await signIn(seeded.keys.reviewer);
    await page.getByRole('heading', { name: 'Flagged queue' }).waitFor();
    await page.locator('table.flags tbody tr:not(.story-head)').first().waitFor();
    expect(await page.locator('header .who').textContent()).toContain('alice');
    const scores = (await page.locator('table.flags td.num').allTextContents()).map(Number);
    expect(scores.length).toBeGreaterThan(5);
    // Story groups pull a story's flags together; within the page the first of each group sets the order.
    const storyHead = page.locator('tr.story-head', { hasText: `Story #${target.storyId} ` });
    expect(await storyHead.count()).toBe(1);
    expect(await storyHead.getByRole('button', { name: 'Decide the whole story…' }).count()).toBe(1);
    await page.screenshot({ path: join(SCREENSHOTS, 'queue.png') });
  });

  it('opens a flag: the highlighted passage beside the post, the similarity values and the story timeline', async () => {
    await page.locator(`a[href="#/flags/${target.id}"]`).first().click();
    await page.getByRole('heading', { name: new RegExp(`^Flag #${target.id}`) }).waitFor();

    const marks = page.locator('[data-testid="passage"] mark');
    await marks.first().waitFor();
    const highlighted = await marks.allTextContents();
    expect(highlighted.join(' ').split(/\s+/).length).toBeGreaterThanOrEqual(8);
    for (const text of highlighted) expect(target.passageText).toContain(text);
    expect(await page.locator('.panel').first().locator('mark').count()).toBeGreaterThan(0);
    expect(await page.locator('.figure', { hasText: 'near-duplicate' }).count()).toBe(1);

    const timeline = page.locator('svg.timeline-svg');
    await timeline.waitFor();
    expect(await timeline.locator('g.mark').count()).toBe(storyPosts);
    expect(await timeline.locator('g.mark.origin').count()).toBe(1);
    expect(await timeline.locator(`g.mark.current[data-post-id="${target.postId}"]`).count()).toBe(1);
    expect(await page.locator('figure.timeline figcaption').textContent()).toMatch(/First appeared in r\/harwickdocks .* score 1.* Then \d+ more posts in \d+ communities/);

    // Opening it claimed it for alice.
    await expect.poll(() => page.getByTestId('flag-status').textContent()).toBe('in review');
    expect(await page.locator('.subtitle .claim').textContent()).toMatch(/held by you/);
    await page.screenshot({ path: join(SCREENSHOTS, 'flag-detail.png'), fullPage: true });
  });

  it('confirms it from the keyboard; the event log and the statistics show the decision', async () => {
    await page.getByLabel('Assign to').fill('bob');
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    await expect.poll(() => page.locator('.subtitle').textContent()).toMatch(/assigned to bob/);

    await page.getByLabel(/^Note/).fill('quotes the staffing paragraph; relaunched by days-old accounts');
    await page.locator('main').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('c');
    await expect.poll(() => page.getByTestId('flag-status').textContent()).toBe('confirmed');
    const decided = page.locator('ol.events li.event-decided');
    await decided.waitFor();
    expect(await decided.textContent()).toMatch(/alice.*decided: confirmed.*quotes the staffing paragraph/);

    const events = await call(product.resultsUrl, 'GET', `/v1/flags/${target.id}/events`, undefined, { 'x-api-key': seeded.keys.reviewer });
    expect(events.body.items.map((e: { type: string; actor: string }) => `${e.type}:${e.actor}`)).toEqual(['opened:system', 'claimed:alice', 'assigned:alice', 'decided:alice']);

    await page.getByRole('link', { name: 'History' }).click();
    const entry = page.locator('ol.events li', { hasText: `flag #${target.id}` }).filter({ hasText: 'decided: confirmed' });
    await entry.waitFor();
    expect(await entry.locator('.actor').textContent()).toBe('alice');

    await page.getByRole('link', { name: 'Statistics' }).click();
    await expect.poll(() => page.getByTestId('stat-confirmed').textContent()).toBe('1');
    const row = page.locator(`tr[data-pattern-id="${seeded.patternId}"]`);
    expect(await row.textContent()).toMatch(/Harwick port memo/);
    expect(await row.locator('td').nth(2).textContent()).toBe('1');
    expect(await row.locator('td').nth(5).textContent()).toMatch(/^100%/);
    await page.screenshot({ path: join(SCREENSHOTS, 'stats.png'), fullPage: true });

    const stats = await call(product.resultsUrl, 'GET', '/v1/stats', undefined, { 'x-api-key': seeded.keys.reviewer });
    const memo = stats.body.patterns.find((p: { patternId: string }) => p.patternId === seeded.patternId);
    expect(memo).toMatchObject({ flags: { byStatus: { confirmed: 1 } }, decisions: { decisions: 1, byDecision: { confirm: 1 } }, precision: { value: 1 } });
  });
});
