import type { Pattern } from '@undertow/core';
import { PatternIndex } from '@undertow/detect';
import type { PatternClock } from '@undertow/queue';
import type { Store } from '@undertow/store';

/**
 * The worker's in-memory index of every active pattern's passages. Rebuilt when the pattern
 * clock in Redis moves, which costs one GET per batch while nothing changes.
 */
export class PatternIndexCache {
  private index: PatternIndex | null = null;
  private patterns: Pattern[] = [];
  private clock = -1;
  private loading: Promise<PatternIndex> | null = null;

  constructor(
    private readonly deps: {
      store: Pick<Store, 'patterns' | 'embeddings'>;
      clock: Pick<PatternClock, 'read'>;
      /** Embedding model id, or null without a model. */
      model: string | null;
    },
  ) {}

  async current(): Promise<PatternIndex> {
    return (await this.snapshot()).index;
  }

  /** The index with the active patterns it was built from (behaviour patterns included). */
  async snapshot(): Promise<{ index: PatternIndex; patterns: readonly Pattern[] }> {
    const clock = await this.deps.clock.read();
    if (!this.index || clock !== this.clock) {
      this.loading ??= this.load(clock).finally(() => (this.loading = null));
      await this.loading;
    }
    return { index: this.index!, patterns: this.patterns };
  }

  private async load(clock: number): Promise<PatternIndex> {
    const { patterns, passages } = await this.deps.store.patterns.listIndexablePassages();
    const vectors = this.deps.model
      ? await this.deps.store.embeddings.getMany(this.deps.model, [...new Set(passages.map((p) => p.textHash))])
      : new Map<string, Float32Array>();
    this.patterns = patterns;
    this.index = new PatternIndex({
      patterns,
      passages: passages.map((passage) => ({ ...passage, embedding: vectors.get(passage.textHash) })),
    });
    this.clock = clock;
    return this.index;
  }
}
