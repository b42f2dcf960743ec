import { describe, expect, test } from 'vitest';
import { extractUrls, normalizeUrl } from './urls.js';

describe('normalizeUrl', () => {
  test.each([
    ['http://www.Example.com/a/b/', 'https://example.com/a/b'],
    ['https://example.com:443/a', 'https://example.com/a'],
    ['http://example.com:80/a', 'https://example.com/a'],
    ['https://example.com:8443/a', 'https://example.com:8443/a'],
    ['https://example.com/a#section-2', 'https://example.com/a'],
    ['https://example.com/a?utm_source=tw&utm_medium=social&fbclid=x&gclid=y', 'https://example.com/a'],
    ['https://example.com/a?igshid=1&mc_cid=2&mc_eid=3&ref=home&ref_src=twsrc&s=20&si=abc', 'https://example.com/a'],
    ['https://example.com/a?z=1&b=2&a=3', 'https://example.com/a?a=3&b=2&z=1'],
    ['https://example.com/search?q=trade+talks&page=2', 'https://example.com/search?page=2&q=trade+talks'],
    ['https://m.example.com/a', 'https://example.com/a'],
    ['https://mobile.twitter.com/u/status/1?s=20', 'https://twitter.com/u/status/1'],
    ['https://x.com/u/status/1', 'https://twitter.com/u/status/1'],
    ['https://amp.example.com/a', 'https://example.com/a'],
    ['https://example.com/news/story/amp/', 'https://example.com/news/story'],
    ['https://example.com/amp/news/story', 'https://example.com/news/story'],
    ['https://example.com/news/story?amp=1', 'https://example.com/news/story'],
    ['https://example.com/news/story.amp.html', 'https://example.com/news/story.html'],
    ['https://www.google.com/amp/s/www.example.com/news/story', 'https://example.com/news/story'],
    ['https://www-example-com.cdn.ampproject.org/c/s/www.example.com/news/story', 'https://example.com/news/story'],
    ['https://youtu.be/dQw4w9WgXcQ?si=x', 'https://youtube.com/watch?v=dQw4w9WgXcQ'],
    ['https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=share', 'https://youtube.com/watch?v=dQw4w9WgXcQ'],
    ['https://old.reddit.com/r/x/comments/abc/', 'https://reddit.com/r/x/comments/abc'],
    ['https://example.com/', 'https://example.com'],
    ['https://example.com/Case/Sensitive', 'https://example.com/Case/Sensitive'],
    ['  https://example.com/a  ', 'https://example.com/a'],
    ['ftp://example.com/file', null],
    ['mailto:someone@example.com', null],
    ['javascript:alert(1)', null],
    ['not a url', null],
    ['', null],
  ])('%s → %s', (input, expected) => {
    expect(normalizeUrl(input)).toBe(expected);
  });
});

describe('extractUrls', () => {
  test.each([
    ['read https://t.co/AbC123 now', ['https://t.co/AbC123']],
    ['at (https://example.com/a).', ['https://example.com/a']],
    ['see https://en.wikipedia.org/wiki/Leak_(2019), then', ['https://en.wikipedia.org/wiki/Leak_(2019)']],
    ['two: http://a.org/x?y=1! and www.b.org/z…', ['http://a.org/x?y=1', 'https://www.b.org/z']],
    ['"https://example.com/q"', ['https://example.com/q']],
    ['no links in me@example.com or example.com', []],
    ['https:// alone', []],
  ])('%s', (text, expected) => {
    expect(extractUrls(text)).toEqual(expected);
  });
});
