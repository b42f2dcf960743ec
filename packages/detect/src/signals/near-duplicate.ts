import type { PassageMatch, Span } from '@undertow/core';
import type { Token } from '../normalize.js';
import type { Shingles } from '../shingles.js';

export const NEAR_DUPLICATE_SCORER = { name: 'near-duplicate', version: '1' } as const;

export interface NearDuplicateOptions {
  /**
   * Distinct shingles the two texts must share before there is a signal at all. Default 3:
   * with 3-word shingles a match needs five words in a row (or two separate three-word runs),
   * so posts under five words never match and a stock phrase shared by chance does not either.
   */
  minSharedShingles?: number;
  /**
   * Value under which there is no signal: incidental overlap (a stock phrase, a quoted name),
   * not reuse. Default 0.15: on Clough–Stevenson (k = 3, best passage) no non-reuse answer
   * reaches it (highest 0.125) while 49 of 57 reuse answers do (45 at 0.2).
   */
  minContainment?: number;
}

export const DEFAULT_NEAR_DUPLICATE_OPTIONS: Readonly<Required<NearDuplicateOptions>> = Object.freeze({
  minSharedShingles: 3,
  minContainment: 0.15,
});

/** A text prepared for exact shingle comparison. */
export interface LexicalText {
  tokens: readonly Token[];
  shingles: Shingles;
  /** The distinct shingle hashes. */
  shingleSet: ReadonlySet<number>;
}

/** How much of a post's shingles and a passage's shingles coincide. */
export interface ShingleOverlap {
  /** Distinct shingles in both. */
  shared: number;
  postShingles: number;
  passageShingles: number;
  /** Share of the post's distinct shingles found in the passage: 1 when the post quotes the passage, however short the quote. */
  containment: number;
  /** Share of the passage's distinct shingles found in the post: 1 when a long post carries the whole passage. */
  coverage: number;
  jaccard: number;
}

export function shingleOverlap(post: ReadonlySet<number>, passage: ReadonlySet<number>): ShingleOverlap {
  const [small, large] = post.size <= passage.size ? [post, passage] : [passage, post];
  let shared = 0;
  for (const h of small) if (large.has(h)) shared++;
  const union = post.size + passage.size - shared;
  return {
    shared,
    postShingles: post.size,
    passageShingles: passage.size,
    containment: post.size === 0 ? 0 : shared / post.size,
    coverage: passage.size === 0 ? 0 : shared / passage.size,
    jaccard: union === 0 ? 0 : shared / union,
  };
}

/**
 * The near-duplicate signal's value: the containment of the post in the passage, or the
 * passage's coverage by the post when that is higher (a long post pasting a whole passage
 * among other text), once enough shingles are shared; else 0.
 */
export function nearDuplicateValue(overlap: ShingleOverlap, options: NearDuplicateOptions = {}): number {
  const minShared = options.minSharedShingles ?? DEFAULT_NEAR_DUPLICATE_OPTIONS.minSharedShingles;
  const minContainment = options.minContainment ?? DEFAULT_NEAR_DUPLICATE_OPTIONS.minContainment;
  if (overlap.shared < minShared) return 0;
  const value = Math.max(overlap.containment, overlap.coverage);
  return value < minContainment ? 0 : value;
}

/**
 * Character spans of `text` made of words that sit in a shingle `other` also has: runs of
 * shared words, merged while consecutive, so a reviewer sees exactly what was copied.
 */
export function sharedSpans(text: LexicalText, other: ReadonlySet<number>): Span[] {
  const { tokens, shingles } = text;
  const shared = new Uint8Array(tokens.length);
  for (let i = 0; i < shingles.hashes.length; i++) {
    if (!other.has(shingles.hashes[i]!)) continue;
    const first = shingles.starts[i]!;
    shared.fill(1, first, first + shingles.width);
  }
  const spans: Span[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!shared[i]) continue;
    let j = i;
    while (j + 1 < tokens.length && shared[j + 1]) j++;
    spans.push({ start: tokens[i]!.start, end: tokens[j]!.end });
    i = j;
  }
  return spans;
}

/** The evidence of a post meeting a passage: the passage and the shared spans on both sides. */
export function passageMatch(post: LexicalText, passage: LexicalText & { id: string; index: number; text: string }): PassageMatch {
  return {
    passageId: passage.id,
    passageIndex: passage.index,
    passageText: passage.text,
    postSpans: sharedSpans(post, passage.shingleSet),
    passageSpans: sharedSpans(passage, post.shingleSet),
  };
}
