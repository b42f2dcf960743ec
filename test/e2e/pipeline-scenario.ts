import { expect } from 'vitest';
import { LEAKED_MEMO, demoStream, memoParagraphs } from '@undertow/cli';
import { call, waitUntil } from '../support/http.js';

/**
 * The end-to-end flow, run against whatever is listening at the two URLs: a document
 * pattern, 200 posts of which 10 carry edited copies of its passages, exactly those 10 flagged
 * with the right passage, no duplicates on resubmission, a decision in the event log, and 4xx
 * answers to bad input. `adminKey` makes the submitter and reviewer keys the rest uses.
 */
export async function runPipelineScenario(intake: string, results: string, source: string, adminKey: string): Promise<void> {
  const admin = { 'x-api-key': adminKey };
  const makeKey = async (name: string, role: string) => {
    const made = await call(results, 'POST', '/v1/keys', { name, role }, admin);
    expect(made.status).toBe(201);
    return made.body.secret as string;
  };
  const submitter = { 'x-api-key': await makeKey(`feed-${source}`, 'submitter') };
  const reviewer = { authorization: `Bearer ${await makeKey('alice', 'reviewer')}` };

  const created = await call(results, 'POST', '/v1/patterns', { kind: 'document', name: 'Harwick memo', text: LEAKED_MEMO, tags: ['T0089'] }, admin);
  expect(created.status).toBe(201);
  const patternId: string = created.body.id;
  await waitUntil(async () => (await call(results, 'GET', `/v1/patterns/${patternId}`, undefined, reviewer)).body.status === 'ready', 'the pattern to be indexed');

  const stream = demoStream({ total: 200, carrying: 10, source });
  // Without a key, or with a reviewer's, nothing is accepted.
  expect((await call(intake, 'POST', '/v1/posts', { posts: stream.posts })).status).toBe(401);
  expect((await call(intake, 'POST', '/v1/posts', { posts: stream.posts }, reviewer)).status).toBe(403);
  const submitted = await call(intake, 'POST', '/v1/posts', { posts: stream.posts }, submitter);
  expect(submitted.status).toBe(202);
  expect(submitted.body).toMatchObject({ accepted: 200, duplicates: 0, rejected: 0 });

  const allScored = async () => {
    for (const post of stream.posts) {
      const status = await call(intake, 'GET', `/v1/posts/${post.source}/${post.externalId}`, undefined, submitter);
      if (status.body?.status !== 'scored') return false;
    }
    return true;
  };
  await waitUntil(allScored, 'all 200 posts to be scored', 90_000, 250);

  const listed = await call(results, 'GET', `/v1/flags?source=${source}&patternId=${patternId}&limit=500`, undefined, reviewer);
  expect(listed.status).toBe(200);
  const flagged = new Map<string, string>(listed.body.items.map((f: { id: string; post: { externalId: string } }) => [f.post.externalId, f.id]));
  expect([...flagged.keys()].sort()).toEqual([...stream.carriers.keys()].sort());

  const paragraphs = memoParagraphs();
  for (const [externalId, flagId] of flagged) {
    const detail = await call(results, 'GET', `/v1/flags/${flagId}`, undefined, reviewer);
    expect(detail.status).toBe(200);
    expect(detail.body.patternId).toBe(patternId);
    expect(detail.body.post.externalId).toBe(externalId);
    const signals: { name: string; value: number }[] = detail.body.signals;
    expect(signals.find((s) => s.name === 'near-duplicate')?.value).toBeGreaterThan(0.5);
    // The matched passage is the one quoted: its highlighted spans are words of that paragraph.
    const match = detail.body.match;
    const paragraph = paragraphs[stream.carriers.get(externalId)!]!;
    expect(match.passageSpans.length).toBeGreaterThan(0);
    const spans = (match.passageSpans as { start: number; end: number }[]).map((span) => match.passageText.slice(span.start, span.end) as string);
    const longest = spans.reduce((a, b) => (b.length > a.length ? b : a), '');
    expect(longest.split(/\s+/).length).toBeGreaterThanOrEqual(8);
    expect(flat(paragraph)).toContain(flat(longest));
    for (const span of match.postSpans as { start: number; end: number }[]) {
      expect(detail.body.post.text.slice(span.start, span.end).length).toBeGreaterThan(0);
    }
  }

  // Resubmitting everything creates nothing new.
  const again = await call(intake, 'POST', '/v1/posts', { posts: stream.posts }, submitter);
  expect(again.status).toBe(202);
  expect(again.body).toMatchObject({ accepted: 0, duplicates: 200 });
  const single = await call(intake, 'POST', '/v1/posts', stream.posts[0], submitter);
  expect(single.body.items[0].status).toBe('duplicate');
  const relisted = await call(results, 'GET', `/v1/flags?source=${source}&patternId=${patternId}&limit=500`, undefined, reviewer);
  expect(relisted.body.items).toHaveLength(10);

  // A decision lands in the append-only event log.
  const [firstFlag] = flagged.values();
  // A submitter key cannot decide; the reviewer's decision is logged under the key's name.
  expect((await call(results, 'POST', `/v1/flags/${firstFlag}/decision`, { decision: 'confirm' }, submitter)).status).toBe(403);
  const decided = await call(results, 'POST', `/v1/flags/${firstFlag}/decision`, { decision: 'confirm', note: 'quotes paragraph of the memo' }, reviewer);
  expect(decided.status).toBe(200);
  expect(decided.body.status).toBe('confirmed');
  const events = await call(results, 'GET', `/v1/flags/${firstFlag}/events`, undefined, reviewer);
  expect(events.body.items.map((e: { type: string }) => e.type)).toEqual(['opened', 'decided']);
  expect(events.body.items[1]).toMatchObject({ actor: 'alice', fromStatus: 'open', toStatus: 'confirmed', note: 'quotes paragraph of the memo' });
  const confirmed = await call(results, 'GET', `/v1/flags?source=${source}&patternId=${patternId}&status=confirmed`, undefined, reviewer);
  expect(confirmed.body.items.map((f: { id: string }) => f.id)).toEqual([firstFlag]);

  await expectBadInputRejected(intake, results, source, { submitter, reviewer, admin });
}

type Headers = Record<string, string>;

async function expectBadInputRejected(intake: string, results: string, source: string, keys: { submitter: Headers; reviewer: Headers; admin: Headers }): Promise<void> {
  const valid = { source, externalId: 'bad-input-probe', author: { id: 'a' }, text: 'hello', createdAt: '2026-10-21T10:00:00Z' };
  const cases: [string, string, string, unknown, RegExp, Headers][] = [
    [intake, 'POST', '/v1/posts', '{"posts": [', /not valid JSON/, keys.submitter],
    [intake, 'POST', '/v1/posts', { ...valid, text: 42 }, /\/text/, keys.submitter],
    [intake, 'POST', '/v1/posts', { ...valid, author: undefined }, /\/author/, keys.submitter],
    [intake, 'POST', '/v1/posts', { ...valid, text: 'x'.repeat(40_001) }, /\/text/, keys.submitter],
    [intake, 'POST', '/v1/posts', { ...valid, createdAt: 'yesterday' }, /\/createdAt/, keys.submitter],
    [intake, 'POST', '/v1/posts', { posts: Array.from({ length: 1001 }, (_, i) => ({ ...valid, externalId: `x${i}` })) }, /at most 1000/, keys.submitter],
    [intake, 'POST', '/v1/posts', { posts: [] }, /\/posts/, keys.submitter],
    [intake, 'POST', '/v1/engagement', { updates: 'none' }, /\/updates/, keys.submitter],
    [results, 'POST', '/v1/patterns', { kind: 'document', name: 'no text' }, /\/text/, keys.admin],
    [results, 'POST', '/v1/patterns', { kind: 'poem', name: 'x', text: 'y' }, /kind/, keys.admin],
    [results, 'GET', '/v1/flags?minScore=high', undefined, /minScore/, keys.reviewer],
    [results, 'GET', '/v1/flags?cursor=not-a-cursor', undefined, /cursor/, keys.reviewer],
    [results, 'POST', '/v1/flags/1/decision', { decision: 'approve' }, /decision/, keys.reviewer],
  ];
  for (const [base, method, path, body, message, headers] of cases) {
    const response = await call(base, method, path, body, headers);
    expect(response.status, `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}`).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(JSON.stringify(response.body)).toMatch(message);
  }
  // In a batch, a bad post rejects only itself, naming its field.
  const mixed = await call(intake, 'POST', '/v1/posts', { posts: [{ ...valid, externalId: 'mixed-ok' }, { ...valid, externalId: 'mixed-bad', urls: ['not a url'] }] }, keys.submitter);
  expect(mixed.status).toBe(202);
  expect(mixed.body.items[0].status).toBe('queued');
  expect(mixed.body.items[1]).toMatchObject({ status: 'rejected', errors: [{ path: '/urls/0' }] });
  const missing = await call(results, 'GET', '/v1/flags/999999999', undefined, keys.reviewer);
  expect(missing.status).toBe(404);
}

function flat(text: string): string {
  return text.replace(/\s+/g, ' ').toLowerCase();
}
