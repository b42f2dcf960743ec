import type { Pattern, RescanPattern } from '@undertow/core';
import { DEFAULT_NUM_HASHES, PatternIndex, lexicalFeatures, normalizeUrl } from '@undertow/detect';
import type { Store } from '@undertow/store';
import { LexicalCandidateFilter } from './candidate-filter.js';

/** What a rescan scores against: the pinned patterns that are still current, indexed. */
export interface RescanIndex {
  /** The pinned patterns whose pinned version is still the current, active, ready one. */
  patterns: Pattern[];
  /** Their ids and versions. */
  versions: Map<string, number>;
  index: PatternIndex;
  /** Posts this lets through may have a near-duplicate signal; the others cannot. */
  filter: LexicalCandidateFilter;
  /** Normalised URL keys of the patterns' URLs. */
  urlKeys: string[];
  /** Whether any passage has a vector under the model, so that semantic matching can run. */
  semantic: boolean;
}

/**
 * Builds and keeps the index of each rescan's patterns, so that a worker builds it once per
 * rescan rather than once per chunk. A pinned pattern that was edited, deactivated or removed
 * since the rescan was created is left out: the rescan does not touch its results (an edit or
 * a reactivation starts its own rescan).
 */
export class RescanIndexCache {
  private readonly built = new Map<string, Promise<RescanIndex>>();

  constructor(
    private readonly deps: {
      store: Pick<Store, 'patterns' | 'embeddings' | 'rescans'>;
      /** Embedding model id, or null without a model. */
      model: string | null;
      /** Indexes kept at once. Default 4. */
      keep?: number;
    },
  ) {}

  async forPatterns(pinned: readonly RescanPattern[]): Promise<RescanIndex> {
    // One small query per chunk tells which pinned versions are still the ones to score with.
    const current = await this.deps.store.rescans.currentPatterns(pinned);
    const key = current.map((p) => `${p.id}@${p.version}`).join(',');
    let index = this.built.get(key);
    if (!index) {
      index = this.build(current);
      this.built.set(key, index);
      index.catch(() => this.built.delete(key));
      while (this.built.size > (this.deps.keep ?? 4)) this.built.delete(this.built.keys().next().value!);
    }
    return index;
  }

  private async build(current: readonly RescanPattern[]): Promise<RescanIndex> {
    const found = await Promise.all(current.map((p) => this.deps.store.patterns.get(p.id)));
    // A pattern edited between the two reads is left out; the edit starts its own rescan.
    const patterns = found.filter((p, i): p is Pattern => p !== null && p.version === current[i]!.version);
    const passages = (await Promise.all(patterns.map((p) => this.deps.store.patterns.passages(p.id)))).flat();
    const vectors = this.deps.model
      ? await this.deps.store.embeddings.getMany(this.deps.model, [...new Set(passages.map((p) => p.textHash))])
      : new Map<string, Float32Array>();
    const urlKeys = new Set<string>();
    for (const pattern of patterns) {
      for (const url of pattern.urls) {
        const key = normalizeUrl(url);
        if (key) urlKeys.add(key);
      }
    }
    return {
      patterns,
      versions: new Map(patterns.map((p) => [p.id, p.version])),
      index: new PatternIndex({ patterns, passages: passages.map((passage) => ({ ...passage, embedding: vectors.get(passage.textHash) })) }),
      filter: new LexicalCandidateFilter(
        passages.map((p) => (p.minhash.length === DEFAULT_NUM_HASHES ? p.minhash : lexicalFeatures(p.text).minhash)),
      ),
      urlKeys: [...urlKeys],
      semantic: passages.some((p) => vectors.has(p.textHash)),
    };
  }
}
