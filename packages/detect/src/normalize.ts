import * as crypto from 'node:crypto';

/** A word of a text: its normalised form and where it sits in the original text. */
export interface Token {
  /** NFKC, lower-cased, punctuation removed. */
  text: string;
  /** Offset of the token's first UTF-16 code unit in the original text. */
  start: number;
  /** Offset just past the token's last code unit in the original text. */
  end: number;
}

/*
 * Parts of a post that are not its content and vary between copies of the same material: links
 * (shortened differently per share), `RT @x:` prefixes, @mentions (reply addressing) and HTML
 * entities left by scrapers. They are blanked out with spaces of the same length, so every
 * offset computed afterwards is still an offset into the original text.
 */
const NOISE =
  /(?:https?:\/\/|(?<![\p{L}\p{N}_.])www\.)\S+|(?<![\p{L}\p{N}_])rt\s+@[\p{L}\p{N}_]+:?|(?<![\p{L}\p{N}_@.])@[\p{L}\p{N}_]+|&(?:amp|lt|gt|quot|apos|nbsp|#\d{1,7}|#x[0-9a-f]{1,6});/giu;
const ASCII = /^[\x00-\x7f]*$/;
// Apostrophes join a word (`don't` → `dont`) rather than split it, as stripping punctuation would.
const ASCII_WORD = /[a-z0-9]+(?:'[a-z0-9]+)*/g;

function blankNoise(text: string): string {
  return text.replace(NOISE, (m) => ' '.repeat(m.length));
}

/**
 * Splits a text into normalised word tokens with their offsets in the original text.
 *
 * Links, `RT @x:`, @mentions and HTML entities are dropped; a hashtag keeps its word (`#leak` →
 * `leak`) because campaigns put content words in tags. Each token is NFKC-normalised and
 * lower-cased, so full-width and styled letters (`ｌｅａｋ`, `𝐥𝐞𝐚𝐤`, `Ⓛⓔⓐⓚ`) match plain ones,
 * and zero-width characters inside a word are ignored. Han, kana, Thai, Lao and Khmer text has
 * no spaces between words, so each of those characters is a token of its own.
 */
export function tokenize(text: string): Token[] {
  const clean = blankNoise(text);
  return ASCII.test(clean) ? tokenizeAscii(clean) : tokenizeUnicode(clean);
}

/** The normalised form used for matching and for the embedding cache key: tokens joined by one space. */
export function normalizeText(text: string): string {
  return tokenize(text)
    .map((t) => t.text)
    .join(' ');
}

/** Hex SHA-256 of an already normalised text, shortened to 128 bits (32 hex characters). */
export function textHash(normalized: string): string {
  return sha256Hex(normalized).slice(0, 32);
}

// The one-shot crypto.hash (Node 20.12 and later) is twice as fast as createHash on short texts.
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

function tokenizeAscii(text: string): Token[] {
  const lower = text.toLowerCase();
  const tokens: Token[] = [];
  ASCII_WORD.lastIndex = 0;
  for (let m = ASCII_WORD.exec(lower); m !== null; m = ASCII_WORD.exec(lower)) {
    const word = m[0];
    tokens.push({ text: word.includes("'") ? word.replaceAll("'", '') : word, start: m.index, end: m.index + word.length });
  }
  return tokens;
}

const enum Kind {
  Separator,
  Word,
  /** A character that is a word by itself (scripts written without spaces). */
  Single,
  /** Joins the letters either side of it: apostrophes. */
  Joiner,
  /** Format characters (zero-width space and joiners, soft hyphen): neither part of nor a break in a word. */
  Ignored,
}

interface CharClass {
  kind: Kind;
  /** The character's NFKC, lower-cased form with punctuation removed. */
  norm: string;
}

const SEPARATOR: CharClass = { kind: Kind.Separator, norm: '' };
const IGNORED: CharClass = { kind: Kind.Ignored, norm: '' };
const JOINER: CharClass = { kind: Kind.Joiner, norm: '' };
const APOSTROPHES = new Set([0x27, 0x2019, 0x02bc]);
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;
const NOT_WORD_CHAR = /[^\p{L}\p{N}\p{M}]/gu;
const SINGLE_SCRIPTS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}]/u;
const FORMAT = /\p{Cf}/u;
const MARKS_ONLY = /^\p{M}+$/u;

// Classifying a code point costs a normalize() call; texts reuse few distinct characters.
const classes = new Map<number, CharClass>();
const MAX_CACHED_CLASSES = 65_536;

function classify(cp: number): CharClass {
  const known = classes.get(cp);
  if (known) return known;
  const ch = String.fromCodePoint(cp);
  let cls: CharClass;
  if (APOSTROPHES.has(cp)) cls = JOINER;
  else if (FORMAT.test(ch)) cls = IGNORED;
  else {
    const norm = ch.normalize('NFKC').toLowerCase();
    if (!WORD_CHAR.test(norm)) cls = SEPARATOR;
    else {
      cls = { kind: SINGLE_SCRIPTS.test(ch) ? Kind.Single : Kind.Word, norm: norm.replace(NOT_WORD_CHAR, '') };
    }
  }
  if (classes.size >= MAX_CACHED_CLASSES) classes.clear();
  classes.set(cp, cls);
  return cls;
}

function tokenizeUnicode(text: string): Token[] {
  const tokens: Token[] = [];
  let norm = '';
  let start = -1;
  let end = -1;
  let nonAscii = false;
  const close = () => {
    if (start >= 0 && norm !== '') {
      // Per-character NFKC cannot compose a base letter with a following combining mark.
      tokens.push({ text: nonAscii ? norm.normalize('NFKC') : norm, start, end });
    }
    norm = '';
    start = -1;
    nonAscii = false;
  };
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    let next = i + (cp > 0xffff ? 2 : 1);
    let cls: CharClass;
    if (cp < 0x80) {
      const lower = cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp;
      if ((lower >= 0x61 && lower <= 0x7a) || (cp >= 0x30 && cp <= 0x39)) {
        if (start < 0) start = i;
        norm += String.fromCharCode(lower);
        end = next;
        i = next;
        continue;
      }
      cls = cp === 0x27 ? JOINER : SEPARATOR;
    } else {
      cls = classify(cp);
    }
    switch (cls.kind) {
      case Kind.Word:
        if (start < 0) start = i;
        norm += cls.norm;
        nonAscii = true;
        end = next;
        break;
      case Kind.Single:
        close();
        start = i;
        norm = cls.norm;
        nonAscii = true;
        // A combining mark after the character (Thai vowels and tones) still belongs to it.
        while (next < text.length) {
          const mark = text.codePointAt(next)!;
          const markCls = mark < 0x80 ? SEPARATOR : classify(mark);
          if (markCls.kind !== Kind.Word || !MARKS_ONLY.test(markCls.norm)) break;
          norm += markCls.norm;
          next += mark > 0xffff ? 2 : 1;
        }
        end = next;
        close();
        break;
      case Kind.Joiner:
        if (start < 0 || next >= text.length || !isWordStart(text.codePointAt(next)!)) close();
        break;
      case Kind.Ignored:
        break;
      default:
        close();
    }
    i = next;
  }
  close();
  return tokens;
}

function isWordStart(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  return classify(cp).kind === Kind.Word;
}
