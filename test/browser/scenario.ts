import { expect } from 'vitest';
import type { PostInput } from '@undertow/core';
import { LEAKED_MEMO, memoParagraphs, unrelatedText, seededRandom } from '@undertow/cli';
import { call, waitUntil } from '../support/http.js';

const T0 = Date.parse('2026-10-21T09:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const accountCreated = (minutes: number, ageDays: number) => new Date(T0 + minutes * 60_000 - ageDays * 86_400_000).toISOString();

/**
 * The case the console exists for: a paragraph of a leaked memo first posted by a day-old
 * account to a small community, where it got no traction; three hours later five accounts days
 * old push it into four larger communities. A second paragraph gets a smaller relaunch, and
 * everyday posts make up the rest of the stream.
 */
export function relaunchStream(): PostInput[] {
  const paragraphs = memoParagraphs();
  const sentences = (paragraph: string) => paragraph.split(/(?<=\.)\s+/);
  const staffing = sentences(paragraphs[3]!);
  const origin: PostInput = {
    source: 'reddit',
    externalId: 't3_origin',
    author: { id: 'leaker', handle: 'harbour_insider', createdAt: accountCreated(0, 1) },
    community: 'r/harwickdocks',
    text: `Found this in a bin bag outside the port office: ${paragraphs[3]}`,
    createdAt: at(0),
    engagement: { score: 1, comments: 0, observedAt: at(170) },
  };
  const leads = ['Read this before it is deleted', 'They hid this from you', 'LEAKED memo', 'Wow. Just wow', 'Share widely'];
  const communities = ['r/ukpolitics', 'r/unions', 'r/shipping', 'r/news', 'r/ukpolitics'];
  const relaunch = communities.map((community, i) => ({
    source: 'reddit',
    externalId: `t3_relaunch_${i}`,
    author: { id: `acct-${i}`, handle: `truth_teller_${i}`, createdAt: accountCreated(180 + i * 4, 2 + i * 0.5) },
    community,
    text: `${leads[i]}: "${staffing.slice(0, 2).join(' ').replace('workforce', 'staff')}"`,
    createdAt: at(180 + i * 4),
  }));
  const second = sentences(paragraphs[1]!);
  const smaller = ['r/europe', 'r/worldnews', 'r/europe'].map((community, i) => ({
    source: 'reddit',
    externalId: `t3_second_${i}`,
    author: { id: `fresh-${i}`, handle: `new_voice_${i}`, createdAt: accountCreated(300 + i * 6, 1 + i) },
    community,
    text: `${['Harwick memo says', 'Nobody is talking about this', 'Explain this'][i]}: "${second.slice(0, 2).join(' ')}"`,
    createdAt: at(300 + i * 6),
  }));
  const random = seededRandom(11);
  const everyday = Array.from({ length: 30 }, (_, i) => ({
    source: 'reddit',
    externalId: `t3_everyday_${i}`,
    author: { id: `local-${i % 9}`, handle: `local_${i % 9}`, createdAt: '2016-05-01T00:00:00Z' },
    community: ['r/harwick', 'r/food', 'r/running'][i % 3]!,
    text: unrelatedText(random),
    createdAt: at(i * 11),
  }));
  return [origin, ...everyday.slice(0, 15), ...relaunch, ...everyday.slice(15), ...smaller];
}

export interface SeededProduct {
  patternId: string;
  keys: { reviewer: string; submitter: string };
  posts: PostInput[];
}

/** Registers the memo, makes a reviewer (alice) and a submitter key, and streams the posts through intake. */
export async function seedProduct(intake: string, results: string, adminKey: string): Promise<SeededProduct> {
  const admin = { 'x-api-key': adminKey };
  const makeKey = async (name: string, role: string) => {
    const made = await call(results, 'POST', '/v1/keys', { name, role }, admin);
    expect(made.status).toBe(201);
    return made.body.secret as string;
  };
  const keys = { reviewer: await makeKey('alice', 'reviewer'), submitter: await makeKey('harbour-feed', 'submitter') };
  const created = await call(results, 'POST', '/v1/patterns', { kind: 'document', name: 'Harwick port memo', text: LEAKED_MEMO, tags: ['T0089'] }, admin);
  expect(created.status).toBe(201);
  await waitUntil(async () => (await call(results, 'GET', `/v1/patterns/${created.body.id}`, undefined, admin)).body.status === 'ready', 'the memo to be indexed');

  const posts = relaunchStream();
  const submitter = { 'x-api-key': keys.submitter };
  const submitted = await call(intake, 'POST', '/v1/posts', { posts }, submitter);
  expect(submitted.status).toBe(202);
  expect(submitted.body.accepted).toBe(posts.length);
  await waitUntil(
    async () => {
      for (const post of posts) {
        const status = await call(intake, 'GET', `/v1/posts/${post.source}/${post.externalId}`, undefined, submitter);
        if (status.body?.status !== 'scored') return false;
      }
      return true;
    },
    'every post to be scored',
    120_000,
    250,
  );
  return { patternId: created.body.id, keys, posts };
}
