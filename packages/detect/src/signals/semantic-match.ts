export const SEMANTIC_MATCH_SCORER = { name: 'semantic-match', version: '1' } as const;

/**
 * Cosine similarity maps to a value linearly from 0 at `floor` to 1 at `ceiling`.
 *
 * The defaults are priors for all-MiniLM-L6-v2 comparing a short post with a paragraph-sized
 * passage, not yet calibrated (no model weights were available when they were set): unrelated
 * text on the same topic sits around 0.3–0.5, a paraphrase of one sentence of the passage
 * around 0.6–0.75 and a near copy above 0.85. Under the default pattern thresholds (review
 * 0.5, priority 0.8) a post reaches review at cosine 0.65 and priority at 0.77. Other models,
 * multilingual ones especially, have other scales: set these per model.
 */
export interface SemanticMatchOptions {
  /** Cosine at and below which the value is 0. Default 0.45. */
  floor?: number;
  /** Cosine at and above which the value is 1. Default 0.85. */
  ceiling?: number;
}

export const DEFAULT_SEMANTIC_MATCH_OPTIONS: Readonly<Required<SemanticMatchOptions>> = Object.freeze({ floor: 0.45, ceiling: 0.85 });

export function semanticMatchValue(cosine: number, options: SemanticMatchOptions = {}): number {
  const floor = options.floor ?? DEFAULT_SEMANTIC_MATCH_OPTIONS.floor;
  const ceiling = options.ceiling ?? DEFAULT_SEMANTIC_MATCH_OPTIONS.ceiling;
  if (!(ceiling > floor)) throw new RangeError(`semantic-match ceiling (${ceiling}) must exceed its floor (${floor})`);
  if (!Number.isFinite(cosine) || cosine <= floor) return 0;
  return cosine >= ceiling ? 1 : (cosine - floor) / (ceiling - floor);
}

/** A unit-length copy of a vector (a zero vector stays zero), so that a dot product is the cosine. */
export function unitVector(v: ArrayLike<number>): Float32Array {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  const out = new Float32Array(v.length);
  if (norm === 0) return out;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * scale;
  return out;
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`vectors differ in length (${a.length} and ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
