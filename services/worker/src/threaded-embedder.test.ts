import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelNotFoundError, loadTransformersProvider, type EmbeddingProvider } from '@undertow/embed';
import { ensureTinyModel, type TinyModel } from '../../../test/support/model-fixture.js';
// A worker thread runs plain JavaScript: from source the provider starts the compiled
// dist/model-thread.js (`npm test` builds first), as in production.
import { ThreadedEmbeddingProvider } from './threaded-embedder.js';

describe('ThreadedEmbeddingProvider', () => {
  let model: TinyModel;
  let inProcess: EmbeddingProvider;
  let threaded: ThreadedEmbeddingProvider;

  beforeAll(async () => {
    if (!existsSync(new URL('../dist/model-thread.js', import.meta.url))) throw new Error('services/worker/dist is missing: run `npx tsc -b` first');
    model = await ensureTinyModel();
    const options = { modelDir: model.dir, modelName: model.modelName, dtype: 'fp32' as const, threads: 1, maxTokens: 64 };
    inProcess = await loadTransformersProvider(options);
    threaded = await ThreadedEmbeddingProvider.start(options);
  }, 60_000);

  afterAll(async () => {
    await threaded?.close();
    await inProcess?.close();
  });

  it('gives the vectors the in-process provider gives, in order, for concurrent calls', async () => {
    expect(threaded.modelId).toBe(inProcess.modelId);
    expect(threaded.dimensions).toBe(inProcess.dimensions);
    expect(threaded.maxTokens).toBe(64);
    const texts = ['the harbour sale was agreed in secret', 'a day at the beach', 'council minutes were rewritten after the vote', 'short'];
    const [first, second] = await Promise.all([threaded.embed(texts), threaded.embed(texts.slice().reverse())]);
    const expected = await inProcess.embed(texts);
    expect(first).toHaveLength(4);
    first!.forEach((vector, i) => {
      expect(vector).toBeInstanceOf(Float32Array);
      for (let d = 0; d < vector.length; d++) expect(vector[d]).toBeCloseTo(expected[i]![d]!, 5);
    });
    expect(second![0]).toEqual(first![3]);
    expect(await threaded.embed([])).toEqual([]);
  });

  it('fails to start on a missing model as the in-process provider does, naming the path', async () => {
    const start = ThreadedEmbeddingProvider.start({ modelDir: model.dir, modelName: 'no-such-model', dtype: 'q8' });
    await expect(start).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(start).rejects.toThrow(/no-such-model/);
  });

  it('refuses work once closed, after finishing the calls in hand', async () => {
    const options = { modelDir: model.dir, modelName: model.modelName, dtype: 'q8' as const, threads: 1 };
    const provider = await ThreadedEmbeddingProvider.start(options);
    const inHand = provider.embed(['one text', 'and another']);
    const closed = provider.close();
    await expect(inHand).resolves.toHaveLength(2);
    await closed;
    await expect(provider.embed(['too late'])).rejects.toThrow(/closed/);
  });
});
