import { describe, expect, it } from 'vitest';
import { tokenize } from './normalize.js';
import { splitPassages } from './passages.js';

/** A document of `paragraphs` paragraphs, each of sentences of the given word counts. */
function document(paragraphs: number, sentenceLengths: number[]): string {
  let n = 0;
  return Array.from({ length: paragraphs }, (_, p) =>
    sentenceLengths
      .map((len, s) => {
        const words = Array.from({ length: len }, () => `w${n++}`);
        words[0] = `P${p}s${s}`;
        return `${words.join(' ')}.`;
      })
      .join(' '),
  ).join('\n\n');
}

function wordCount(text: string): number {
  return tokenize(text).length;
}

describe('splitPassages', () => {
  const doc = document(8, [17, 23, 9, 31, 12, 26]); // 118-word paragraphs, 944 words

  it('gives passages whose text is exactly the document between their offsets', () => {
    const passages = splitPassages(doc);
    expect(passages.length).toBeGreaterThan(5);
    passages.forEach((p, i) => {
      expect(p.index).toBe(i);
      expect(p.text).toBe(doc.slice(p.start, p.end));
    });
    expect(passages[0]!.start).toBe(0);
    expect(passages.at(-1)!.end).toBe(doc.length);
  });

  it('overlaps consecutive passages and keeps every passage within the size limits', () => {
    const passages = splitPassages(doc);
    for (let i = 1; i < passages.length; i++) {
      const shared = wordCount(doc.slice(passages[i]!.start, passages[i - 1]!.end));
      expect(shared).toBeGreaterThanOrEqual(30);
      expect(shared).toBeLessThanOrEqual(45);
    }
    for (const p of passages) expect(wordCount(p.text)).toBeLessThanOrEqual(180);
    for (const p of passages.slice(0, -1)) expect(wordCount(p.text)).toBeGreaterThanOrEqual(72);
  });

  it('puts any quote of up to the overlap in length wholly inside one passage', () => {
    const passages = splitPassages(doc);
    const tokens = tokenize(doc);
    for (let i = 0; i + 30 <= tokens.length; i++) {
      const quote = { start: tokens[i]!.start, end: tokens[i + 29]!.end };
      expect(passages.some((p) => p.start <= quote.start && quote.end <= p.end)).toBe(true);
    }
  });

  it('ends passages at paragraph breaks near the target size', () => {
    const passages = splitPassages(doc);
    for (const p of passages.slice(0, -1)) {
      expect(p.text.endsWith('.')).toBe(true);
      expect(doc.slice(p.end, p.end + 2)).toBe('\n\n');
    }
  });

  it('ends passages at sentence ends when there are no paragraphs, and starts them at sentence starts', () => {
    // Sentences of at most 16 words: a sentence start is always within half the overlap before the ideal start.
    const prose = document(1, Array.from({ length: 50 }, (_, i) => 10 + (i % 3) * 3));
    const passages = splitPassages(prose);
    expect(passages.length).toBeGreaterThan(3);
    for (const p of passages) {
      expect(p.text).toMatch(/^P0s\d+ .*\.$/s);
    }
  });

  it('cuts text without any boundary at the target size', () => {
    const run = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ');
    const passages = splitPassages(run);
    expect(passages.slice(0, -1).map((p) => wordCount(p.text))).toEqual(passages.slice(0, -1).map(() => 120));
    expect(passages.at(-1)!.end).toBe(run.length);
  });

  it('keeps a short document as one passage and gives none for a text without words', () => {
    const short = '  The memo says the NHS is on the table.\n\nIt is dated 2019.  ';
    expect(splitPassages(short)).toEqual([{ index: 0, text: short.trim(), start: 2, end: short.length - 2 }]);
    expect(splitPassages(document(1, [90, 80]))).toHaveLength(1);
    expect(splitPassages(' ... ')).toEqual([]);
  });

  it('rejects sizes that cannot work', () => {
    expect(() => splitPassages(doc, { targetTokens: 100, overlapTokens: 60 })).toThrow(RangeError);
    expect(() => splitPassages(doc, { targetTokens: 200, maxTokens: 150 })).toThrow(RangeError);
  });
});
