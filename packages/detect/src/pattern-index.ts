import type { PassageMatch, Passage, Pattern, PatternScore, Signal, Thresholds } from '@undertow/core';
import { combineSignals, type CombineOptions } from './combine.js';
import { LshIndex, type LshOptions } from './lsh.js';
import { DEFAULT_MINHASH_SEED, DEFAULT_NUM_HASHES, estimateJaccard, minhashSignature } from './minhash.js';
import { textHash, tokenize } from './normalize.js';
import { DEFAULT_SHINGLE_SIZE, shingle, shingleSet } from './shingles.js';
import {
  NEAR_DUPLICATE_SCORER,
  nearDuplicateValue,
  passageMatch,
  shingleOverlap,
  type LexicalText,
  type NearDuplicateOptions,
  type ShingleOverlap,
} from './signals/near-duplicate.js';
import {
  DEFAULT_SEMANTIC_MATCH_OPTIONS,
  SEMANTIC_MATCH_SCORER,
  semanticMatchValue,
  unitVector,
  type SemanticMatchOptions,
} from './signals/semantic-match.js';
import { URL_MATCH_SCORER, urlMatch } from './signals/url-match.js';
import { extractUrls, normalizeUrl } from './urls.js';

/** How texts are shingled and signed. Stored signatures are only comparable under the same settings. */
export interface LexicalOptions {
  /** Words per shingle. Default 3. */
  shingleSize?: number;
  /** MinHash signature length. Default 128. */
  numHashes?: number;
  /** MinHash seed. Default `DEFAULT_MINHASH_SEED`. */
  seed?: number;
}

/** The lexical settings every stored signature in Undertow is made with, unless configured otherwise. */
export const DEFAULT_LEXICAL_OPTIONS: Readonly<Required<LexicalOptions>> = Object.freeze({
  shingleSize: DEFAULT_SHINGLE_SIZE,
  numHashes: DEFAULT_NUM_HASHES,
  seed: DEFAULT_MINHASH_SEED,
});

export interface LexicalFeatures extends LexicalText {
  /** `null` for a text without words. */
  minhash: Uint32Array | null;
}

/** Words, shingles and MinHash signature of a text: what near-duplicate matching needs. */
export function lexicalFeatures(text: string, options: LexicalOptions = {}): LexicalFeatures {
  const tokens = tokenize(text);
  const shingles = shingle(
    tokens.map((t) => t.text),
    options.shingleSize ?? DEFAULT_SHINGLE_SIZE,
  );
  return {
    tokens,
    shingles,
    shingleSet: shingleSet(shingles),
    minhash: minhashSignature(shingles.hashes, options.numHashes ?? DEFAULT_NUM_HASHES, options.seed ?? DEFAULT_MINHASH_SEED),
  };
}

/** Everything detection needs to know about a post, computed once and reused by every pattern (live and in rescans). */
export interface PostFeatures extends LexicalFeatures {
  text: string;
  /** `normalizeText(text)`. */
  normalized: string;
  /** `textHash(normalized)`: the key of the embedding cache. */
  textHash: string;
  /** Distinct `normalizeUrl` keys of the post's URLs and of the links in its text. */
  urlKeys: string[];
  /** The post's sentence embedding, or `null` when no model ran. */
  embedding: Float32Array | null;
  /** Id of the model that made `embedding`; `none` when there is none. */
  model: string;
}

/**
 * The features of a post. `urls` are the post's own link fields; links written in the text are
 * added. Without an embedding the model is recorded as `none`, whatever `model` says.
 */
export function postFeatures(
  text: string,
  urls: readonly string[] = [],
  embedding: Float32Array | null = null,
  model = 'none',
  options: LexicalOptions = {},
): PostFeatures {
  const lexical = lexicalFeatures(text, options);
  const normalized = lexical.tokens.map((t) => t.text).join(' ');
  const urlKeys = new Set<string>();
  for (const url of [...urls, ...extractUrls(text)]) {
    const key = normalizeUrl(url);
    if (key) urlKeys.add(key);
  }
  return {
    ...lexical,
    text,
    normalized,
    textHash: textHash(normalized),
    urlKeys: [...urlKeys],
    embedding,
    model: embedding ? model : 'none',
  };
}

/** A passage as the index takes it: stored with its MinHash signature and, when a model ran, its embedding. */
export interface IndexedPassage extends Passage {
  /**
   * `lexicalFeatures(text).minhash` under the index's `LexicalOptions`, stored so that building
   * an index does not recompute it; computed here when `null` or of another length. A signature
   * made with another seed or shingle size cannot be told apart: store the options with it.
   */
  minhash: Uint32Array | null;
  embedding?: Float32Array | null;
}

export interface PatternIndexSource {
  patterns: readonly Pattern[];
  passages: readonly IndexedPassage[];
  /**
   * Model that embedded the passages. When set, a post embedded by another model gets no
   * semantic signal: cosines across models mean nothing.
   */
  model?: string;
}

export interface PatternIndexOptions extends LexicalOptions {
  /**
   * LSH banding of passage signatures. Default 128 bands × 1 row, not `LshIndex`'s 64 × 2: a
   * post is usually much shorter than a passage, so even a verbatim quote has a low Jaccard
   * similarity with it (an 8-word quote of a 120-word passage: 0.05). One row per band makes
   * a passage a candidate when it shares any of the post's sampled shingles: 0.999 at J = 0.05
   * where 64 × 2 gives 0.15. It costs about 0.5 extra candidates per unrelated post against
   * 1,000 passages, each verified in a few microseconds.
   */
  lsh?: LshOptions;
  /** Most LSH candidates verified per post, likeliest first. Default 500. */
  maxCandidates?: number;
  nearDuplicate?: NearDuplicateOptions;
  semantic?: SemanticMatchOptions;
  combine?: CombineOptions;
}

/**
 * Pattern `params` keys the content scorers read, each overriding the index's option of the
 * same name for that pattern (numbers only).
 */
export const CONTENT_PARAMS = [
  'near-duplicate.minContainment',
  'near-duplicate.minSharedShingles',
  'semantic-match.floor',
  'semantic-match.ceiling',
  'combine.agreementBoost',
  'combine.agreementFloor',
] as const;
export type ContentParam = (typeof CONTENT_PARAMS)[number];

export interface ScoreOptions {
  /** Score only these patterns (a rescan after one pattern changed). Default: all. */
  patternIds?: ReadonlySet<string>;
}

interface IndexedPattern {
  pattern: Pattern;
  thresholds: Thresholds;
  nearDuplicate: NearDuplicateOptions;
  semantic: Required<SemanticMatchOptions>;
  combine: CombineOptions;
  urlKeys: Set<string>;
}

interface PassageEntry extends LexicalText {
  passage: IndexedPassage;
  pattern: IndexedPattern;
  minhash: Uint32Array;
}

interface NearDuplicateHit {
  entry: PassageEntry;
  overlap: ShingleOverlap;
  value: number;
}

interface SemanticHit {
  entry: PassageEntry;
  cosine: number;
  value: number;
}

interface PatternHits {
  nearDuplicate?: NearDuplicateHit;
  semantic?: SemanticHit;
  urls?: string[];
}

/**
 * The known material, indexed for scoring posts against it: passage signatures in an LSH index
 * (candidates), their shingle sets (exact containment on candidates only), each pattern's URL
 * keys, and the passage embeddings as one row-major matrix for brute-force cosine (1,000
 * passages of 384 dimensions are 0.4 M multiply-adds per post, no approximate index needed).
 * Immutable: build a new index when patterns change.
 */
export class PatternIndex {
  readonly model: string | undefined;
  private readonly lexical: Required<LexicalOptions>;
  private readonly maxCandidates: number;
  private readonly patterns = new Map<string, IndexedPattern>();
  private readonly entries: PassageEntry[] = [];
  private readonly lsh: LshIndex<number>;
  private readonly urlPatterns = new Map<string, string[]>();
  /** Unit-length passage embeddings, one row per embedded passage. */
  private readonly matrix: Float32Array;
  private readonly dimension: number;
  /** Entry index of each matrix row. */
  private readonly matrixRows: Uint32Array;

  constructor(source: PatternIndexSource, options: PatternIndexOptions = {}) {
    this.model = source.model;
    this.lexical = {
      shingleSize: options.shingleSize ?? DEFAULT_LEXICAL_OPTIONS.shingleSize,
      numHashes: options.numHashes ?? DEFAULT_LEXICAL_OPTIONS.numHashes,
      seed: options.seed ?? DEFAULT_LEXICAL_OPTIONS.seed,
    };
    this.maxCandidates = options.maxCandidates ?? 500;
    this.lsh = new LshIndex<number>(options.lsh ?? { bands: 128, rows: 1 });

    for (const pattern of source.patterns) {
      // Behaviour patterns have no material to match; an inactive pattern scores nothing.
      if (!pattern.active || pattern.kind === 'behaviour') continue;
      const indexed: IndexedPattern = {
        pattern,
        thresholds: pattern.thresholds,
        nearDuplicate: {
          ...options.nearDuplicate,
          ...overrides(pattern.params, { minContainment: 'near-duplicate.minContainment', minSharedShingles: 'near-duplicate.minSharedShingles' }),
        },
        semantic: {
          ...DEFAULT_SEMANTIC_MATCH_OPTIONS,
          ...options.semantic,
          ...overrides(pattern.params, { floor: 'semantic-match.floor', ceiling: 'semantic-match.ceiling' }),
        },
        combine: { ...options.combine, ...overrides(pattern.params, { agreementBoost: 'combine.agreementBoost', agreementFloor: 'combine.agreementFloor' }) },
        urlKeys: new Set(pattern.urls.map(normalizeUrl).filter((key) => key !== null)),
      };
      // Fail on a bad override now rather than on the first post.
      semanticMatchValue(0, indexed.semantic);
      this.patterns.set(pattern.id, indexed);
      for (const key of indexed.urlKeys) this.urlPatterns.set(key, [...(this.urlPatterns.get(key) ?? []), pattern.id]);
    }

    const embedded: { entry: number; vector: Float32Array }[] = [];
    for (const passage of source.passages) {
      const pattern = this.patterns.get(passage.patternId);
      // Passages of another version of the pattern would show stale evidence.
      if (!pattern || passage.patternVersion !== pattern.pattern.version) continue;
      const tokens = tokenize(passage.text);
      const shingles = shingle(
        tokens.map((t) => t.text),
        this.lexical.shingleSize,
      );
      const { numHashes, seed } = this.lexical;
      const minhash = passage.minhash?.length === numHashes ? passage.minhash : minhashSignature(shingles.hashes, numHashes, seed);
      const entry = this.entries.length;
      this.entries.push({ tokens, shingles, shingleSet: shingleSet(shingles), passage, pattern, minhash: minhash ?? new Uint32Array(0) });
      if (minhash) this.lsh.add(entry, minhash);
      if (passage.embedding && passage.embedding.length > 0) embedded.push({ entry, vector: passage.embedding });
    }

    this.dimension = embedded[0]?.vector.length ?? 0;
    this.matrix = new Float32Array(embedded.length * this.dimension);
    this.matrixRows = new Uint32Array(embedded.length);
    embedded.forEach(({ entry, vector }, row) => {
      if (vector.length !== this.dimension) {
        throw new RangeError(`passage ${this.entries[entry]!.passage.id} has a ${vector.length}-dimensional embedding; others have ${this.dimension}`);
      }
      this.matrix.set(unitVector(vector), row * this.dimension);
      this.matrixRows[row] = entry;
    });
  }

  /** Patterns that can score (active, with material). */
  get patternCount(): number {
    return this.patterns.size;
  }

  get passageCount(): number {
    return this.entries.length;
  }

  /** The features of a post under this index's lexical settings. */
  postFeatures(text: string, urls: readonly string[] = [], embedding: Float32Array | null = null, model = 'none'): PostFeatures {
    return postFeatures(text, urls, embedding, model, this.lexical);
  }

  /**
   * One score per pattern the post gave any signal for, highest first: near-duplicate
   * (LSH candidates, then exact containment), semantic match (cosine against every passage
   * embedding of the same model) and URL match, combined under the pattern's thresholds,
   * with the best passage and its shared spans as `match`.
   */
  score(post: PostFeatures, options: ScoreOptions = {}): PatternScore[] {
    const wanted = options.patternIds;
    const hits = new Map<string, PatternHits>();
    const hitsFor = (patternId: string): PatternHits => {
      let h = hits.get(patternId);
      if (!h) {
        h = {};
        hits.set(patternId, h);
      }
      return h;
    };

    if (post.minhash && post.shingleSet.size > 0) {
      if (post.minhash.length !== this.lexical.numHashes || post.shingles.k !== this.lexical.shingleSize) {
        throw new RangeError(
          `post features were made with ${post.minhash.length} hashes and ${post.shingles.k}-word shingles; this index uses ${this.lexical.numHashes} and ${this.lexical.shingleSize}`,
        );
      }
      const candidates = this.lsh.query(post.minhash);
      const limit = Math.min(candidates.length, this.maxCandidates);
      for (let c = 0; c < limit; c++) {
        const entry = this.entries[candidates[c]!]!;
        const patternId = entry.passage.patternId;
        if (wanted && !wanted.has(patternId)) continue;
        const overlap = shingleOverlap(post.shingleSet, entry.shingleSet);
        const value = nearDuplicateValue(overlap, entry.pattern.nearDuplicate);
        if (value <= 0) continue;
        const h = hitsFor(patternId);
        if (!h.nearDuplicate || value > h.nearDuplicate.value) h.nearDuplicate = { entry, overlap, value };
      }
    }

    if (post.embedding && this.matrixRows.length > 0 && (this.model === undefined || this.model === post.model)) {
      if (post.embedding.length !== this.dimension) {
        throw new RangeError(`post embedding has ${post.embedding.length} dimensions; the passages have ${this.dimension}`);
      }
      const cosines = this.cosines(unitVector(post.embedding));
      for (let row = 0; row < this.matrixRows.length; row++) {
        const entry = this.entries[this.matrixRows[row]!]!;
        const patternId = entry.passage.patternId;
        if (wanted && !wanted.has(patternId)) continue;
        const cosine = cosines[row]!;
        const value = semanticMatchValue(cosine, entry.pattern.semantic);
        if (value <= 0) continue;
        const h = hitsFor(patternId);
        if (!h.semantic || value > h.semantic.value) h.semantic = { entry, cosine, value };
      }
    }

    for (const key of post.urlKeys) {
      for (const patternId of this.urlPatterns.get(key) ?? []) {
        if (wanted && !wanted.has(patternId)) continue;
        const h = hitsFor(patternId);
        h.urls ??= urlMatch(post.urlKeys, this.patterns.get(patternId)!.urlKeys).matched;
      }
    }

    const scores: PatternScore[] = [];
    for (const [patternId, h] of hits) {
      scores.push(this.patternScore(this.patterns.get(patternId)!, h, post));
    }
    return scores.sort((a, b) => b.value - a.value);
  }

  /** Cosine of a unit vector with every passage embedding: one pass over the matrix, four running sums per row. */
  private cosines(q: Float32Array): Float64Array {
    const { matrix, dimension: dim } = this;
    const rows = this.matrixRows.length;
    const out = new Float64Array(rows);
    const tail = dim - (dim % 4);
    for (let row = 0, base = 0; row < rows; row++, base += dim) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let d = 0;
      for (; d < tail; d += 4) {
        s0 += q[d]! * matrix[base + d]!;
        s1 += q[d + 1]! * matrix[base + d + 1]!;
        s2 += q[d + 2]! * matrix[base + d + 2]!;
        s3 += q[d + 3]! * matrix[base + d + 3]!;
      }
      for (; d < dim; d++) s0 += q[d]! * matrix[base + d]!;
      out[row] = s0 + s1 + s2 + s3;
    }
    return out;
  }

  private patternScore(indexed: IndexedPattern, h: PatternHits, post: PostFeatures): PatternScore {
    const { pattern } = indexed;
    const signals: Signal[] = [];
    if (h.nearDuplicate) {
      const { entry, overlap, value } = h.nearDuplicate;
      signals.push({
        name: 'near-duplicate',
        value,
        scorer: { ...NEAR_DUPLICATE_SCORER },
        model: 'none',
        patternId: pattern.id,
        passageId: entry.passage.id,
        detail: {
          containment: round(overlap.containment),
          coverage: round(overlap.coverage),
          jaccard: round(overlap.jaccard),
          estimatedJaccard: post.minhash ? round(estimateJaccard(post.minhash, entry.minhash)) : null,
          sharedShingles: overlap.shared,
          postShingles: overlap.postShingles,
          passageShingles: overlap.passageShingles,
          shingleSize: this.lexical.shingleSize,
        },
      });
    }
    if (h.semantic) {
      const { entry, cosine, value } = h.semantic;
      signals.push({
        name: 'semantic-match',
        value,
        scorer: { ...SEMANTIC_MATCH_SCORER },
        model: post.model,
        patternId: pattern.id,
        passageId: entry.passage.id,
        detail: { cosine: round(cosine), floor: indexed.semantic.floor, ceiling: indexed.semantic.ceiling },
      });
    }
    if (h.urls) {
      signals.push({ name: 'url-match', value: 1, scorer: { ...URL_MATCH_SCORER }, model: 'none', patternId: pattern.id, detail: { urls: h.urls } });
    }
    const { value, tier } = combineSignals(signals, indexed.thresholds, indexed.combine);
    const score: PatternScore = { patternId: pattern.id, patternVersion: pattern.version, value, tier, signals };
    const best = bestPassage(h);
    if (best) score.match = this.match(post, best);
    return score;
  }

  private match(post: PostFeatures, entry: PassageEntry): PassageMatch {
    return passageMatch(post, { ...entry, id: entry.passage.id, index: entry.passage.index, text: entry.passage.text });
  }
}

/** The passage behind the stronger passage-level signal; the copied one when they tie, since its spans show most. */
function bestPassage(h: PatternHits): PassageEntry | undefined {
  if (h.nearDuplicate && (!h.semantic || h.nearDuplicate.value >= h.semantic.value)) return h.nearDuplicate.entry;
  return h.semantic?.entry;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** The pattern's numeric `params` for the given option names. */
function overrides<K extends string>(params: Pattern['params'], keys: Record<K, ContentParam>): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const [option, key] of Object.entries(keys) as [K, ContentParam][]) {
    const value = params[key];
    if (typeof value === 'number' && Number.isFinite(value)) out[option] = value;
  }
  return out;
}
