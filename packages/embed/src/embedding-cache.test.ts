import { describe, expect, test } from 'vitest';
import { EmbeddingCache, embedWithCache, textKey, type EmbeddingItem } from './embedding-cache.js';
import type { EmbeddingProvider } from './embedding-provider.js';

/** A strict fake: records every call; each text's vector is [length, first char code]. */
function fakeProvider(modelId = 'fake@1') {
  const calls: string[][] = [];
  let failNext = false;
  const provider: Pick<EmbeddingProvider, 'modelId' | 'embed'> = {
    modelId,
    async embed(texts) {
      calls.push(texts);
      if (failNext) {
        failNext = false;
        throw new Error('model crashed');
      }
      return texts.map((t) => Float32Array.from([t.length, t.charCodeAt(0) || 0]));
    },
  };
  return { provider, calls, failOnce: () => (failNext = true) };
}

const item = (text: string): EmbeddingItem => ({ key: textKey(text), text });

describe('embedWithCache', () => {
  test('embeds only misses, each distinct key once, and returns vectors in item order', async () => {
    const { provider, calls } = fakeProvider();
    const cache = new EmbeddingCache();
    const first = await embedWithCache(provider, cache, [item('alpha'), item('be'), item('alpha')]);
    expect(calls).toEqual([['alpha', 'be']]);
    expect(first.map((v) => [...v])).toEqual([[5, 97], [2, 98], [5, 97]]);
    expect(cache.stats()).toEqual({ hits: 1, misses: 2, entries: 2, evictions: 0 });

    const second = await embedWithCache(provider, cache, [item('be'), item('gamma'), item('alpha')]);
    expect(calls).toEqual([['alpha', 'be'], ['gamma']]);
    expect(second.map((v) => v[0])).toEqual([2, 5, 5]);
    expect(cache.stats()).toEqual({ hits: 3, misses: 3, entries: 3, evictions: 0 });
  });

  test('makes no model call when everything is cached', async () => {
    const { provider, calls } = fakeProvider();
    const cache = new EmbeddingCache();
    await embedWithCache(provider, cache, [item('x')]);
    await embedWithCache(provider, cache, [item('x'), item('x')]);
    expect(calls).toHaveLength(1);
  });

  test('evicts the least recently used entry when full', async () => {
    const { provider, calls } = fakeProvider();
    const cache = new EmbeddingCache({ maxEntries: 2 });
    await embedWithCache(provider, cache, [item('a'), item('b')]);
    await embedWithCache(provider, cache, [item('a')]); // a is now more recent than b
    await embedWithCache(provider, cache, [item('c')]); // evicts b
    await embedWithCache(provider, cache, [item('a'), item('b')]);
    expect(calls).toEqual([['a', 'b'], ['c'], ['b']]);
    expect(cache.stats().evictions).toBe(2);
    expect(cache.stats().entries).toBe(2);
  });

  test('keeps vectors of different models apart', async () => {
    const cache = new EmbeddingCache();
    const one = fakeProvider('model-a@fp32');
    const two = fakeProvider('model-a@q8');
    await embedWithCache(one.provider, cache, [item('same text')]);
    await embedWithCache(two.provider, cache, [item('same text')]);
    expect(one.calls).toHaveLength(1);
    expect(two.calls).toHaveLength(1);
  });

  test('concurrent calls with the same text embed it once', async () => {
    const { provider, calls } = fakeProvider();
    const cache = new EmbeddingCache();
    const [a, b] = await Promise.all([
      embedWithCache(provider, cache, [item('repost')]),
      embedWithCache(provider, cache, [item('repost'), item('other')]),
    ]);
    expect(calls).toEqual([['repost'], ['other']]);
    expect(a[0]).toBe(b[0]);
  });

  test('a failed model call caches nothing and the next call retries', async () => {
    const { provider, calls, failOnce } = fakeProvider();
    const cache = new EmbeddingCache();
    failOnce();
    await expect(embedWithCache(provider, cache, [item('x')])).rejects.toThrow('model crashed');
    expect(cache.stats().entries).toBe(0);
    const [vector] = await embedWithCache(provider, cache, [item('x')]);
    expect(vector?.[0]).toBe(1);
    expect(calls).toEqual([['x'], ['x']]);
  });

  test('rejects a provider that returns the wrong number of vectors', async () => {
    const cache = new EmbeddingCache();
    const broken = { modelId: 'broken', embed: async () => [] };
    await expect(embedWithCache(broken, cache, [item('x')])).rejects.toThrow('broken returned 0 vectors for 1 texts');
  });
});

describe('textKey', () => {
  test.each([
    ['whitespace runs and ends', '  leaked\n\tdocument  ', 'leaked document'],
    ['composed and decomposed accents', 'cafe\u0301', 'café'],
  ])('treats texts differing only in %s as the same', (_, a, b) => {
    expect(textKey(a)).toBe(textKey(b));
  });

  test('tells different texts apart, case included', () => {
    expect(textKey('Leaked document')).not.toBe(textKey('leaked document'));
  });
});

describe('EmbeddingCache', () => {
  test('refuses a bound that is not a positive integer', () => {
    expect(() => new EmbeddingCache({ maxEntries: 0 })).toThrow(/maxEntries/);
  });
});
