import { describe, expect, it } from 'vitest';
import { LshIndex, lexicalFeatures } from '@undertow/detect';
import { LexicalCandidateFilter } from './candidate-filter.js';

const VOCABULARY = (
  'the a port sale council harbour terminal valuation model steering group agreed march board finance team volumes ' +
  'union pension staff dredging channel reserves buyer bidder proceeds minister office review price statement bakery ' +
  'queue corner football team cup penalty market strawberries train city delay signal novel ending library coding ' +
  'workshop recipe soup paprika lemon marathon route river traffic cat kitchen bread concert tickets resale garden'
).split(' ');

function words(random: () => number, n: number): string {
  return Array.from({ length: n }, () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]!).join(' ');
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

describe('LexicalCandidateFilter', () => {
  const random = seeded(11);
  const passageTexts = Array.from({ length: 12 }, () => words(random, 120));
  const passages = passageTexts.map((text) => lexicalFeatures(text).minhash!);

  it('lets through exactly the posts the pattern index would make candidates (LSH bands of one row)', () => {
    const filter = new LexicalCandidateFilter(passages);
    const lsh = new LshIndex<number>({ bands: 128, rows: 1 });
    passages.forEach((signature, i) => lsh.add(i, signature));
    const quotes = passageTexts.map((text, i) => `look at this: ${text.split(' ').slice(i * 5, i * 5 + 20).join(' ')} wow`);
    const posts = [...Array.from({ length: 400 }, () => words(random, 25)), ...quotes];
    for (const text of posts) {
      const signature = lexicalFeatures(text).minhash!;
      expect(filter.mayMatch(signature)).toBe(lsh.query(signature).length > 0);
    }
    for (const quote of quotes) expect(filter.mayMatch(lexicalFeatures(quote).minhash!)).toBe(true);
  });

  it('matches a value only at the position it was indexed at', () => {
    const filter = new LexicalCandidateFilter([Uint32Array.of(10, 20, 30)]);
    expect(filter.mayMatch(Uint32Array.of(1, 20, 2))).toBe(true);
    expect(filter.mayMatch(Uint32Array.of(20, 30, 10))).toBe(false);
    expect(filter.size).toBe(3);
  });

  it('lets nothing through when there are no passages', () => {
    const filter = new LexicalCandidateFilter([null]);
    expect(filter.mayMatch(passages[0]!)).toBe(false);
  });
});
