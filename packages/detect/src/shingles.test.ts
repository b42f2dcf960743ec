import { describe, expect, it } from 'vitest';
import { hashWord, shingle, shingleSet } from './shingles.js';

describe('shingle', () => {
  it('hashes each run of k words, with the word each starts at', () => {
    const s = shingle(['a', 'b', 'c', 'd', 'e'], 3);
    expect(s.hashes).toHaveLength(3);
    expect([...s.starts]).toEqual([0, 1, 2]);
    expect(s.width).toBe(3);
    expect(shingle(['x', 'b', 'c', 'd', 'y'], 3).hashes[1]).toBe(s.hashes[1]);
  });

  it('depends on word order and word boundaries', () => {
    const [abc] = shingle(['a', 'b', 'c']).hashes;
    expect(shingle(['c', 'b', 'a']).hashes[0]).not.toBe(abc);
    expect(shingle(['ab', 'c', '']).hashes[0]).not.toBe(abc);
  });

  it('gives one shingle of all the words of a text shorter than k, none for no words', () => {
    const short = shingle(['two', 'words'], 3);
    expect(short.hashes).toHaveLength(1);
    expect(short.width).toBe(2);
    expect(shingle([], 3).hashes).toHaveLength(0);
  });

  it('keeps repeats in the list and drops them from the set', () => {
    const s = shingle(['a', 'b', 'a', 'b', 'a', 'b'], 2);
    expect(s.hashes).toHaveLength(5);
    expect(shingleSet(s).size).toBe(2);
  });

  it('rejects a shingle size that is not a positive integer', () => {
    expect(() => shingle(['a'], 0)).toThrow(RangeError);
  });
});

describe('hashWord', () => {
  it('is FNV-1a', () => {
    expect(hashWord('')).toBe(0x811c9dc5);
    expect(hashWord('a')).toBe(0xe40c292c);
    expect(hashWord('foobar')).toBe(0xbf9cf968);
  });
});
