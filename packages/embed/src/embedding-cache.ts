import { createHash } from 'node:crypto';
import type { EmbeddingProvider } from './embedding-provider.js';

/**
 * The cache key of a text: SHA-256 of its NFC form with whitespace runs collapsed and the ends
 * trimmed. Texts that differ only there tokenize alike, so they share one vector.
 */
export function textKey(text: string): string {
  const normalized = text.normalize('NFC').replace(/\s+/gu, ' ').trim();
  return createHash('sha256').update(normalized).digest('hex');
}

export interface EmbeddingCacheOptions {
  /** Vectors kept; the least recently used go first. Default 10,000 (about 15 MB at 384 dims). */
  maxEntries?: number;
}

export interface EmbeddingCacheStats {
  /** Items answered without model time: from the cache, or a repeat already being embedded. */
  hits: number;
  /** Items that were embedded. */
  misses: number;
  entries: number;
  evictions: number;
}

export interface EmbeddingItem {
  /** Usually `textKey(text)`; items with the same key get the same vector. */
  key: string;
  text: string;
}

const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * A bounded LRU of embeddings. Entries are kept per model id, so one cache can outlive a model
 * change without handing out vectors of the old model.
 */
export class EmbeddingCache {
  readonly maxEntries: number;
  private readonly entries = new Map<string, Float32Array>();
  /** Keys being embedded now, so that concurrent calls with the same text embed it once. */
  private readonly inFlight = new Map<string, Promise<Float32Array>>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(options: EmbeddingCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${this.maxEntries}`);
    }
  }

  /** A cached vector (marked as recently used), or undefined. Not counted in the stats. */
  get(modelId: string, key: string): Float32Array | undefined {
    const id = entryId(modelId, key);
    const vector = this.entries.get(id);
    if (vector) {
      this.entries.delete(id);
      this.entries.set(id, vector);
    }
    return vector;
  }

  set(modelId: string, key: string, vector: Float32Array): void {
    const id = entryId(modelId, key);
    this.entries.delete(id);
    this.entries.set(id, vector);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.evictions++;
    }
  }

  stats(): EmbeddingCacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size, evictions: this.evictions };
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * One vector per item, in order. Only keys neither cached nor already being embedded reach
   * the provider, each once, in a single `embed` call. Returned vectors are shared with the
   * cache: treat them as read-only.
   */
  async embed(provider: Pick<EmbeddingProvider, 'modelId' | 'embed'>, items: EmbeddingItem[]): Promise<Float32Array[]> {
    const pending = new Map<string, Promise<Float32Array>>();
    const missing = new Map<string, EmbeddingItem>();
    for (const item of items) {
      const id = entryId(provider.modelId, item.key);
      if (pending.has(id) || missing.has(id)) {
        this.hits++;
        continue;
      }
      const cached = this.get(provider.modelId, item.key);
      const inFlight = this.inFlight.get(id);
      if (cached) {
        this.hits++;
        pending.set(id, Promise.resolve(cached));
      } else if (inFlight) {
        this.hits++;
        pending.set(id, inFlight);
      } else {
        this.misses++;
        missing.set(id, item);
      }
    }

    if (missing.size > 0) {
      const toEmbed = [...missing];
      const batch = provider.embed(toEmbed.map(([, item]) => item.text)).then((vectors) => {
        if (vectors.length !== toEmbed.length) {
          throw new Error(`${provider.modelId} returned ${vectors.length} vectors for ${toEmbed.length} texts`);
        }
        return vectors;
      });
      toEmbed.forEach(([id], i) => {
        const vector = batch.then((vectors) => vectors[i]!);
        // Awaited below or by a concurrent call; a failure surfaces there, not as unhandled.
        vector.catch(() => undefined);
        pending.set(id, vector);
        this.inFlight.set(id, vector);
      });
      try {
        const vectors = await batch;
        toEmbed.forEach(([, item], i) => this.set(provider.modelId, item.key, vectors[i]!));
      } finally {
        for (const [id] of toEmbed) this.inFlight.delete(id);
      }
    }

    const resolved = new Map<string, Float32Array>();
    await Promise.all([...pending].map(async ([id, vector]) => resolved.set(id, await vector)));
    return items.map(({ key }) => resolved.get(entryId(provider.modelId, key))!);
  }
}

/** `cache.embed(provider, items)`: embeds only the misses, each distinct key once. */
export function embedWithCache(
  provider: Pick<EmbeddingProvider, 'modelId' | 'embed'>,
  cache: EmbeddingCache,
  items: EmbeddingItem[],
): Promise<Float32Array[]> {
  return cache.embed(provider, items);
}

function entryId(modelId: string, key: string): string {
  return `${modelId}\u0000${key}`;
}
