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
 * Character spans of the words the two texts share, aligned: each shared shingle of `post` is
 * tied to ONE occurrence in `passage` — the one continuing the current copied run, else the one
 * starting the longest run — so a phrase the passage repeats elsewhere is not highlighted
 * there too, and a run never bleeds into a neighbouring paragraph.
 */
export function alignedSpans(post: LexicalText, passage: LexicalText): { postSpans: Span[]; passageSpans: Span[] } {
  const where = new Map<number, number[]>();
  passage.shingles.hashes.forEach((hash, q) => {
    const list = where.get(hash);
    if (list) list.push(q);
    else where.set(hash, [q]);
  });
  const postHashes = post.shingles.hashes;
  const passageHashes = passage.shingles.hashes;
  const runLength = (i: number, q: number): number => {
    let k = 0;
    while (i + k < postHashes.length && q + k < passageHashes.length && postHashes[i + k] === passageHashes[q + k]) k++;
    return k;
  };
  const onPost = new Uint8Array(post.tokens.length);
  const onPassage = new Uint8Array(passage.tokens.length);
  let previous = -2;
  for (let i = 0; i < postHashes.length; i++) {
    const candidates = where.get(postHashes[i]!);
    if (!candidates) {
      previous = -2;
      continue;
    }
    let q = candidates.includes(previous + 1) ? previous + 1 : -1;
    if (q < 0) {
      let best = 0;
      for (const candidate of candidates) {
        const length = runLength(i, candidate);
        if (length > best) [best, q] = [length, candidate];
      }
    }
    const width = post.shingles.width;
    onPost.fill(1, post.shingles.starts[i]!, post.shingles.starts[i]! + width);
    onPassage.fill(1, passage.shingles.starts[q]!, passage.shingles.starts[q]! + passage.shingles.width);
    previous = q;
  }
  return { postSpans: markedSpans(post, onPost), passageSpans: markedSpans(passage, onPassage) };
}

function markedSpans(text: LexicalText, marked: Uint8Array): Span[] {
  const spans: Span[] = [];
  for (let i = 0; i < text.tokens.length; i++) {
    if (!marked[i]) continue;
    let j = i;
    while (j + 1 < text.tokens.length && marked[j + 1]) j++;
    spans.push({ start: text.tokens[i]!.start, end: text.tokens[j]!.end });
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
    ...alignedSpans(post, passage),
  };
}
