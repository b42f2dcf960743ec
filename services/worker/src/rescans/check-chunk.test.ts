import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import { postFeatures } from '@undertow/detect';
import { EmbeddingCache } from '@undertow/embed';
import type { IndexPatternPayload } from '@undertow/queue';
import { createStore, openDatabase, type Store } from '@undertow/store';
import { indexPatternProcessor } from '../processors/index-pattern.js';
import { Embeddings } from '../scoring/embeddings.js';
import { checkChunk, type CheckChunkDeps } from './check-chunk.js';
import { RescanIndexCache } from './rescan-index.js';

const CLAIM = 'the harbour council was never shown the valuation model before the sale was agreed';

/** Two rescans over the same posts at once, on PGlite, with the real store and scoring. */
describe('checkChunk', () => {
  let store: Store;
  const log = pino({ level: 'silent' });

  beforeAll(async () => {
    store = createStore(await openDatabase({ dataDir: 'memory://' }));
  });

  afterAll(async () => {
    await store?.db.close();
  });

  const embeddings = () => new Embeddings({ provider: null, cache: new EmbeddingCache({ maxEntries: 10 }), repository: store.embeddings });
  const depsFor = (over: Partial<CheckChunkDeps> = {}): CheckChunkDeps => ({ store, embeddings: embeddings(), indexes: new RescanIndexCache({ store, model: null }), log, ...over });

  async function readyNarrative(name: string): Promise<string> {
    const pattern = await store.patterns.create({ kind: 'narrative', name, examples: [CLAIM] });
    await indexPatternProcessor({ store, embeddings: embeddings(), clock: { bump: async () => 1 }, log })({ data: { patternId: pattern.id, version: 1 } } as Job<IndexPatternPayload, unknown, 'index-pattern'>);
    return pattern.id;
  }

  it('recomputes posts another rescan re-scored meanwhile, so that neither undoes the other', async () => {
    const posts = Array.from({ length: 5 }, (_, i) => {
      const text = `look at this: ${CLAIM} (${i})`;
      const features = postFeatures(text);
      return { source: 'feed', externalId: `q${i}`, author: { id: `a${i}` }, text, createdAt: '2019-10-21T00:00:00.000Z', urlKeys: [], textHash: features.textHash, minhash: features.minhash };
    });
    const stored = await store.posts.insertMany(posts);
    await store.scores.upsert(stored.map((p) => ({ postId: p.id, value: 0, tier: 'none', patterns: [], versions: { model: 'none', scorer: 'detect@1', patterns: {} }, scoredAt: '2019-10-21T00:00:00.000Z' })));
    const [first, second] = [await readyNarrative('first'), await readyNarrative('second')];
    const plan = (patternId: string) => store.rescans.create({ patternIds: [patternId], from: '2019-10-21T00:00:00Z', to: '2019-10-22T00:00:00Z', reason: 'test', createdBy: 'test', chunkSize: 100 });
    const [a, b] = [(await plan(first)).rescan, (await plan(second)).rescan];

    // The second rescan reads the scores, then — before it writes — the first rescan writes them.
    let interleaved = false;
    const stories: Pick<Store, 'stories'>['stories'] = Object.assign(Object.create(store.stories) as Store['stories'], {
      ofPosts: async (ids: readonly string[]) => {
        if (!interleaved) {
          interleaved = true;
          expect(await checkChunk(depsFor(), a.id, 0)).toMatchObject({ status: 'finished', newlyFlagged: 5 });
        }
        return store.stories.ofPosts(ids);
      },
    });
    expect(await checkChunk(depsFor({ store: { ...store, stories } }), b.id, 0)).toMatchObject({ status: 'finished', newlyFlagged: 5 });
    expect(interleaved).toBe(true);
    expect((await store.rescans.chunks(b.id))[0]?.stats).toMatchObject({ rebases: 1 });

    const scores = await store.scores.getMany(stored.map((p) => p.id));
    for (const post of stored) {
      expect(Object.keys(scores.get(post.id)!.versions.patterns).sort()).toEqual([first, second].sort());
      expect((await store.flags.getForPost(post.id)).map((f) => f.patternId).sort()).toEqual([first, second].sort());
    }
  });
});
