/** Words per shingle. Three words tell copied text from shared phrasing while an edit breaks only three shingles. */
export const DEFAULT_SHINGLE_SIZE = 3;

/** The hashed word k-shingles of a text. Shingle `i` covers tokens `starts[i]` to `starts[i] + width - 1`. */
export interface Shingles {
  /** The shingle size asked for. */
  k: number;
  /** Tokens each shingle covers: `k`, or all of them when the text has fewer than `k`. */
  width: number;
  /** 32-bit hash of each shingle, in text order (repeats kept). */
  hashes: Uint32Array;
  /** Index of the first token of each shingle. */
  starts: Uint32Array;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the UTF-16 code units of a word. */
export function hashWord(word: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/**
 * Hashes each run of `k` consecutive words. A text shorter than `k` words gives one shingle of
 * all its words, so that it can still be compared with texts as short; an empty text gives none.
 */
export function shingle(words: readonly string[], k = DEFAULT_SHINGLE_SIZE): Shingles {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`shingle size must be a positive integer (got ${k})`);
  const n = words.length;
  const width = Math.min(k, n);
  const count = n === 0 ? 0 : n - width + 1;
  const wordHashes = new Uint32Array(n);
  for (let i = 0; i < n; i++) wordHashes[i] = hashWord(words[i]!);
  const hashes = new Uint32Array(count);
  const starts = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    // FNV over single words, then murmur3's block mix over the word hashes: word order matters
    // and a one-word edit changes every shingle that covers it.
    let h = 0x9747b28c ^ width;
    for (let j = i; j < i + width; j++) {
      let w = Math.imul(wordHashes[j]!, 0xcc9e2d51);
      w = (w << 15) | (w >>> 17);
      h ^= Math.imul(w, 0x1b873593);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    hashes[i] = fmix32(h);
    starts[i] = i;
  }
  return { k, width, hashes, starts };
}

/** murmur3's finaliser: spreads every input bit over the whole hash. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The distinct shingle hashes, the set that containment and Jaccard are measured on. */
export function shingleSet(shingles: Shingles): Set<number> {
  return new Set(shingles.hashes);
}
