import { describe, expect, it } from 'vitest';
import { normalizeUrl } from '../urls.js';
import { urlMatch } from './url-match.js';

describe('urlMatch', () => {
  const pattern = new Set([normalizeUrl('https://leaks.example.org/trade-talks.pdf')!]);

  it('is 1 when a post links the pattern URL in any of its spellings', () => {
    const post = [normalizeUrl('http://www.leaks.example.org/trade-talks.pdf?utm_source=twitter#page=40')!];
    expect(urlMatch(post, pattern)).toEqual({ value: 1, matched: ['https://leaks.example.org/trade-talks.pdf'] });
  });

  it('is 0 for other URLs and for none', () => {
    expect(urlMatch([normalizeUrl('https://leaks.example.org/other.pdf')!], pattern)).toEqual({ value: 0, matched: [] });
    expect(urlMatch([], pattern).value).toBe(0);
  });
});
