import type { EmbeddingCache, EmbeddingProvider } from '@undertow/embed';
import type { Store } from '@undertow/store';

export interface TextToEmbed {
  /** Hash of the normalised text: identical reposts share it and are embedded once. */
  textHash: string;
  text: string;
}

/** Where embeddings came from since the worker started, counted per text; for the metrics. */
export interface EmbeddingLookups {
  /** Found in the worker's memory cache. */
  memory: number;
  /** Found among the vectors stored in PostgreSQL. */
  stored: number;
  /** The same text earlier in the same call: embedded once, used twice. */
  batch: number;
  /** Embedded by the model. */
  model: number;
  modelCalls: number;
  /** Milliseconds in the model (tokenize, run, pool). */
  modelMs: number;
}

/**
 * Embeddings looked up in three places, cheapest first: the worker's memory, the stored
 * vectors in PostgreSQL (shared by every worker and reused by rescans), then the model.
 */
export class Embeddings {
  readonly lookups: EmbeddingLookups = { memory: 0, stored: 0, batch: 0, model: 0, modelCalls: 0, modelMs: 0 };

  constructor(
    private readonly deps: {
      provider: EmbeddingProvider | null;
      cache: EmbeddingCache;
      repository: Pick<Store['embeddings'], 'getMany' | 'putMany'>;
    },
  ) {}

  /** The model id recorded on scores; `none` without a model. */
  get model(): string {
    return this.deps.provider?.modelId ?? 'none';
  }

  get enabled(): boolean {
    return this.deps.provider !== null;
  }

  /** One vector per item (null for all without a model). */
  async embed(items: readonly TextToEmbed[]): Promise<(Float32Array | null)[]> {
    const provider = this.deps.provider;
    if (!provider || items.length === 0) return items.map(() => null);
    const model = provider.modelId;
    const found = new Map<string, Float32Array>();
    const unseen: string[] = [];
    for (const { textHash } of items) {
      if (found.has(textHash)) continue;
      const cached = this.deps.cache.get(model, textHash);
      if (cached) found.set(textHash, cached);
      else unseen.push(textHash);
    }
    const fromMemory = found.size;
    if (unseen.length > 0) {
      const stored = await this.deps.repository.getMany(model, [...new Set(unseen)]);
      for (const [hash, vector] of stored) {
        found.set(hash, vector);
        this.deps.cache.set(model, hash, vector);
      }
    }
    const missing = distinctMissing(items, found);
    this.lookups.memory += fromMemory;
    this.lookups.stored += found.size - fromMemory;
    this.lookups.model += missing.length;
    this.lookups.batch += items.length - found.size - missing.length;
    if (missing.length > 0) {
      const started = performance.now();
      const vectors = await provider.embed(missing.map((item) => item.text));
      this.lookups.modelMs += performance.now() - started;
      this.lookups.modelCalls++;
      const entries = missing.map((item, i) => ({ textHash: item.textHash, vector: vectors[i]! }));
      for (const entry of entries) {
        found.set(entry.textHash, entry.vector);
        this.deps.cache.set(model, entry.textHash, entry.vector);
      }
      await this.deps.repository.putMany(model, entries);
    }
    return items.map((item) => found.get(item.textHash) ?? null);
  }
}

function distinctMissing(items: readonly TextToEmbed[], found: Map<string, Float32Array>): TextToEmbed[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (found.has(item.textHash) || seen.has(item.textHash)) return false;
    seen.add(item.textHash);
    return true;
  });
}
