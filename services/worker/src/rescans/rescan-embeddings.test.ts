import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Score } from '@undertow/core';
import { postFeatures } from '@undertow/detect';
import { EmbeddingCache, loadTransformersProvider, type EmbeddingProvider } from '@undertow/embed';
import type { Job } from 'bullmq';
import type { IndexPatternPayload } from '@undertow/queue';
import { createStore, openDatabase, type Store } from '@undertow/store';
import { ensureTinyModel } from '../../../../test/support/model-fixture.js';
import { indexPatternProcessor } from '../processors/index-pattern.js';
import { Embeddings } from '../scoring/embeddings.js';
import { checkChunk } from './check-chunk.js';
import { RescanIndexCache } from './rescan-index.js';

const CLAIM = 'the harbour council was never shown the valuation model before the sale';
const EVERYDAY = [
  'the bakery on elm street opened this morning and the queue went around the corner',
  'our school football team won the regional cup after a penalty shoot-out',
  'the farmers market had the best strawberries I have tasted since last summer',
  'the train to the city was delayed again by forty minutes',
];

/**
 * A rescan with a real (generated) ONNX model over posts that live scoring stored without one:
 * their vectors are made once per distinct text and stored, and a later rescan reuses them.
 */
describe('rescans and embeddings (PGlite, ONNX Runtime)', () => {
  let store: Store;
  let provider: EmbeddingProvider;
  /** Texts the model was asked to embed, call by call. */
  const calls: string[][] = [];
  const log = pino({ level: 'silent' });

  beforeAll(async () => {
    const model = await ensureTinyModel();
    const loaded = await loadTransformersProvider({ modelDir: model.dir, modelName: model.modelName, dtype: 'fp32', threads: 1, maxTokens: 64 });
    provider = {
      modelId: loaded.modelId,
      dimensions: loaded.dimensions,
      maxTokens: loaded.maxTokens,
      embed: async (texts) => {
        calls.push(texts);
        return loaded.embed(texts);
      },
      close: () => loaded.close(),
    };
    store = createStore(await openDatabase({ dataDir: 'memory://' }));
  }, 60_000);

  afterAll(async () => {
    await provider?.close();
    await store?.db.close();
  });

  const embeddings = () => new Embeddings({ provider, cache: new EmbeddingCache({ maxEntries: 1000 }), repository: store.embeddings });

  async function rescan(patternId: string): Promise<{ id: string; embedded: number }> {
    const { rescan: created } = await store.rescans.create({ patternIds: [patternId], reason: 'test', createdBy: 'test', chunkSize: 7 });
    // A fresh worker each time: nothing in memory, only what is stored.
    const deps = { store, embeddings: embeddings(), indexes: new RescanIndexCache({ store, model: provider.modelId }), log };
    let embedded = 0;
    for (let chunk = 0; chunk < created.chunks.total; chunk++) {
      const outcome = await checkChunk(deps, created.id, chunk);
      expect(outcome.status).toBe('finished');
    }
    for (const chunk of await store.rescans.chunks(created.id)) embedded += chunk.stats?.['embedded'] ?? 0;
    expect(await store.rescans.finish(created.id)).toMatchObject({ state: 'completed', done: 25, total: 25 });
    return { id: created.id, embedded };
  }

  it('embeds posts scored without the model once per distinct text, stores the vectors, and reuses them next time', async () => {
    // 25 posts scored by live scoring while no model was loaded: 5 distinct texts, 5 copies each.
    const texts = [CLAIM, ...EVERYDAY];
    const posts = Array.from({ length: 25 }, (_, i) => {
      const text = texts[i % texts.length]!;
      const features = postFeatures(text);
      return {
        source: 'feed',
        externalId: `p${String(i).padStart(2, '0')}`,
        author: { id: `a${i}` },
        text,
        createdAt: new Date(Date.parse('2019-10-21T00:00:00Z') + i * 60_000).toISOString(),
        urlKeys: features.urlKeys,
        textHash: features.textHash,
        minhash: features.minhash,
      };
    });
    const stored = await store.posts.insertMany(posts);
    const none = (postId: string): Score => ({ postId, value: 0, tier: 'none', patterns: [], versions: { model: 'none', scorer: 'detect@1', patterns: {} }, scoredAt: '2019-10-21T00:00:00.000Z' });
    await store.scores.upsert(stored.map((p) => none(p.id)));

    const pattern = await store.patterns.create({ kind: 'narrative', name: 'valuation hidden', examples: [CLAIM] });
    await indexPatternProcessor({ store, embeddings: embeddings(), clock: { bump: async () => 1 }, log })({ data: { patternId: pattern.id, version: 1 } } as Job<IndexPatternPayload, unknown, 'index-pattern'>);
    calls.length = 0;

    const first = await rescan(pattern.id);
    // The model saw each distinct text once: the claim's vector was stored when the pattern
    // was indexed, and the first chunk stored the others' for the chunks after it.
    expect(calls.flat().sort()).toEqual([...EVERYDAY].sort());
    expect(first.embedded).toBe(5);
    const vectors = await store.embeddings.getMany(provider.modelId, posts.map((p) => p.textHash));
    expect(vectors.size).toBe(5);

    // The posts that carry the claim are flagged with a semantic signal from this model (the
    // generated model's weights are random, so what it says of the other posts means nothing).
    const claimPosts = stored.filter((_, i) => i % texts.length === 0).map((p) => p.id);
    for (const postId of claimPosts) {
      const [flag] = await store.flags.getForPost(postId);
      expect(flag?.signals.find((s) => s.name === 'semantic-match')).toMatchObject({ model: provider.modelId, detail: { cosine: 1 } });
      expect(await store.scores.get(postId)).toMatchObject({ tier: 'priority', versions: { model: provider.modelId, patterns: { [pattern.id]: 1 } } });
    }

    // A second rescan finds every vector stored: the model is not called at all.
    calls.length = 0;
    const second = await rescan(pattern.id);
    expect(second.embedded).toBe(0);
    expect(calls).toEqual([]);
  }, 60_000);
});
