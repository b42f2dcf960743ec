import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { postFeatures } from '@undertow/detect';
import { createRedis } from '@undertow/queue';
import { StoryIndex, type StoryKeys } from './story-index.js';

const T0 = Date.parse('2026-10-21T09:00:00Z');
const DAY = 86_400_000;

const MEMO =
  'the steering group agreed in march that the authority would not disclose the valuation model to the harbour board before the sale of the northern quay was complete';

function keys(externalId: string, text: string): StoryKeys {
  return {
    textHash: null,
    signature: postFeatures(text).minhash,
    urlKeys: [],
    repostOf: null,
    passageIds: [],
    self: { source: 'test', externalId },
  };
}

describe('StoryIndex', () => {
  const redis = createRedis(inject('redisUrl'));
  const prefix = `t-${randomUUID()}`;
  const index = new StoryIndex(redis, prefix);
  let nextId = 1000;
  const assign = async (externalId: string, text: string, createdAt = T0) =>
    (await index.assign([{ postId: String(nextId++), createdAt, keys: keys(externalId, text) }]))[0]!;

  afterAll(() => {
    redis.disconnect();
  });

  it('joins an edited copy to the story of its original by their shared bands, and keeps unrelated text apart', async () => {
    const original = await assign('a', MEMO);
    expect(original.via).toBe('origin');
    const edited = await assign('b', MEMO.replace('in march', 'last march').replace('was complete', 'had closed'));
    expect(edited).toEqual({ storyId: original.storyId, via: 'near-duplicate', merged: [] });
    const other = await assign('c', 'a quiet afternoon at the allotment with the tomatoes finally ripening after weeks of rain and wind');
    expect(other.storyId).not.toBe(original.storyId);
  });

  it('does not join a copy posted further from the first post than the window', async () => {
    const original = await assign('d', `${MEMO} and the minutes were kept from the committee`);
    const late = await assign('e', `${MEMO} and the minutes were kept from the committee`, T0 + 31 * DAY);
    expect(late.storyId).not.toBe(original.storyId);
  });

  it('keeps the bands as fields of a few compact hashes that expire, not as keys of their own', async () => {
    const own = `${prefix}-bands`;
    const compact = new StoryIndex(redis, own);
    await compact.assign(
      Array.from({ length: 50 }, (_, i) => ({
        postId: String(5000 + i),
        createdAt: T0,
        // Twelve words no other post uses: fifty stories of their own.
        keys: keys(`x${i}`, Array.from({ length: 12 }, (_, k) => `w${((i * 12 + k) * 7919).toString(36)}`).join(' ')),
      })),
    );
    const bandHashes = await redis.keys(`${own}:story:b:*`);
    const encodings = await Promise.all(bandHashes.map((key) => redis.object('ENCODING', key)));
    const ttls = await Promise.all(bandHashes.map((key) => redis.ttl(key)));
    const fields = (await Promise.all(bandHashes.map((key) => redis.hlen(key)))).reduce((a, b) => a + b, 0);
    expect(fields).toBe(50 * 32);
    expect(new Set(encodings)).toEqual(new Set(['listpack']));
    expect(Math.min(...ttls)).toBeGreaterThan(0);
    expect(Math.max(...ttls)).toBeLessThanOrEqual(60 * 86_400);
  });
});
