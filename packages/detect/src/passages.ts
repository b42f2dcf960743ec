import { tokenize, type Token } from './normalize.js';

/**
 * Passage sizes are counted in words (the tokens of `tokenize`) as a proxy for model tokens.
 * all-MiniLM-L6-v2's WordPiece tokenizer gives 1.25–1.29 pieces per word on English prose
 * (Clough–Stevenson, MSRP; 90th percentile 1.35–1.53), and the model reads at most 256 pieces
 * including its two special tokens. The defaults keep a typical passage near 155 pieces and
 * the longest near 230, so the embedding sees the whole passage.
 */
export interface SplitPassagesOptions {
  /** Words a passage aims for: about one paragraph. Default 120. */
  targetTokens?: number;
  /** Words shared by consecutive passages, so a post quoting across a boundary still matches one of them; at most half the target. Default 30. */
  overlapTokens?: number;
  /** Words a passage never exceeds; a document no longer than this is one passage. Default 180. */
  maxTokens?: number;
}

export const DEFAULT_PASSAGE_OPTIONS: Readonly<Required<SplitPassagesOptions>> = Object.freeze({
  targetTokens: 120,
  overlapTokens: 30,
  maxTokens: 180,
});

/** A window of a document. `text` is `document.slice(start, end)`. */
export interface PassageSlice {
  index: number;
  text: string;
  start: number;
  end: number;
}

const enum Boundary {
  None = 0,
  Sentence = 1,
  Paragraph = 2,
}

const BLANK_LINE = /\n[^\S\n]*\n/;
const SENTENCE_END = /[.!?…]["'”’)\]]*(?:\s|$)|[。！？]|\n/;

/**
 * Splits a document into overlapping passages of about one paragraph, ending them at paragraph
 * breaks where one falls near the target size, else at sentence ends, else mid-sentence, and
 * starting each one at least `overlapTokens` words before the previous one ended (at a
 * sentence start where one is near). Offsets are into the original text.
 */
export function splitPassages(text: string, options: SplitPassagesOptions = {}): PassageSlice[] {
  const target = options.targetTokens ?? DEFAULT_PASSAGE_OPTIONS.targetTokens;
  const overlap = options.overlapTokens ?? DEFAULT_PASSAGE_OPTIONS.overlapTokens;
  const max = options.maxTokens ?? DEFAULT_PASSAGE_OPTIONS.maxTokens;
  if (!Number.isInteger(target) || !Number.isInteger(overlap) || !Number.isInteger(max) || target < 1 || overlap < 0 || overlap * 2 > target || max < target) {
    throw new RangeError(`passage sizes must be integers with 0 <= overlapTokens <= targetTokens / 2 and targetTokens <= maxTokens (got ${overlap}, ${target}, ${max})`);
  }
  const tokens = tokenize(text);
  const n = tokens.length;
  if (n === 0) return [];
  // boundary[i]: how strongly the text breaks just before token i.
  const boundary = new Uint8Array(n + 1);
  boundary[n] = Boundary.Paragraph;
  for (let i = 1; i < n; i++) {
    const gap = text.slice(tokens[i - 1]!.end, tokens[i]!.start);
    boundary[i] = BLANK_LINE.test(gap) ? Boundary.Paragraph : SENTENCE_END.test(gap) ? Boundary.Sentence : Boundary.None;
  }

  const windows: [number, number][] = [];
  let start = 0;
  for (;;) {
    if (n - start <= max) {
      windows.push([start, n]);
      break;
    }
    const end = chooseEnd(boundary, start, target, max);
    windows.push([start, end]);
    start = chooseNextStart(boundary, start, end, overlap);
  }
  return windows.map(([from, to], index) => {
    const span = charSpan(text, tokens, from, to);
    return { index, text: text.slice(span.start, span.end), start: span.start, end: span.end };
  });
}

/** The strongest boundary near `start + target`, looking from 60% of the target to the maximum. */
function chooseEnd(boundary: Uint8Array, start: number, target: number, max: number): number {
  const lo = start + Math.ceil(target * 0.6);
  const hi = start + max;
  const ideal = start + target;
  for (const strength of [Boundary.Paragraph, Boundary.Sentence]) {
    let best = -1;
    for (let i = lo; i <= hi; i++) {
      if (boundary[i]! >= strength && (best < 0 || Math.abs(i - ideal) < Math.abs(best - ideal))) best = i;
    }
    if (best >= 0) return best;
  }
  return ideal;
}

/**
 * `overlap` words before `end`, moved back to a sentence start if one is within half the
 * overlap: never forward, so a quote of up to `overlap` words always lies inside one passage.
 */
function chooseNextStart(boundary: Uint8Array, start: number, end: number, overlap: number): number {
  const ideal = end - overlap;
  const earliest = Math.max(start + 1, ideal - Math.floor(overlap / 2));
  for (let i = ideal; i >= earliest; i--) if (boundary[i]! >= Boundary.Sentence) return i;
  return Math.max(ideal, start + 1);
}

/** Characters of tokens `[from, to)`, widened over punctuation touching them (quotes, a full stop) but not into the neighbouring tokens. */
function charSpan(text: string, tokens: readonly Token[], from: number, to: number): { start: number; end: number } {
  let start = tokens[from]!.start;
  const floor = from > 0 ? tokens[from - 1]!.end : 0;
  while (start > floor && !/\s/.test(text[start - 1]!)) start--;
  let end = tokens[to - 1]!.end;
  const ceiling = to < tokens.length ? tokens[to]!.start : text.length;
  while (end < ceiling && !/\s/.test(text[end]!)) end++;
  return { start, end };
}
