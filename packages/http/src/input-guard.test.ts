import { describe, expect, it } from 'vitest';
import { findInvalidInput, invalidText } from './input-guard.js';

describe('invalidText', () => {
  it.each(['', 'plain', 'émoji 😀', 'a\u0301', '\u202e', '\ud83d\ude00'])('accepts %j', (value) => {
    expect(invalidText(value)).toBeNull();
  });

  it.each([
    ['a NUL', 'text\u0000more', /NUL/],
    ['a lone high surrogate', 'x\ud800', /unpaired surrogate/],
    ['a lone low surrogate', '\udc00x', /unpaired surrogate/],
    ['swapped surrogates', '\ude00\ud83d', /unpaired surrogate/],
  ])('refuses %s', (_what, value, message) => {
    expect(invalidText(value)).toMatch(message);
  });
});

describe('findInvalidInput', () => {
  it('names the first bad field by its JSON pointer, keys included', () => {
    expect(findInvalidInput({ posts: [{ text: 'ok' }, { author: { id: 'a\u0000' } }] }, 'body')).toEqual({ path: 'body/posts/1/author/id', message: expect.stringMatching(/NUL/) });
    expect(findInvalidInput({ params: { 'k\ud800': 1 } }, '')).toEqual({ path: '/params/k\ud800', message: expect.stringMatching(/^key must be valid Unicode/) });
    expect(findInvalidInput({ 'a/b': { '~': Infinity } }, '')).toEqual({ path: '/a~1b/~0', message: 'must be a finite number' });
  });

  it('passes what PostgreSQL can store', () => {
    expect(findInvalidInput({ text: 'hello', n: 1.5, list: [null, true, -0], nested: { '😀': 'ok' } }, 'body')).toBeNull();
    expect(findInvalidInput(undefined, 'body')).toBeNull();
  });

  it('walks nesting far deeper than the call stack allows', () => {
    let deep: unknown = 'bottom\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(findInvalidInput(deep, '')?.message).toMatch(/NUL/);
  });
});
