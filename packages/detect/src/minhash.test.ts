import { describe, expect, it } from 'vitest';
import { DEFAULT_MINHASH_SEED, estimateJaccard, minhashSignature } from './minhash.js';
import { fmix32 } from './shingles.js';

function randomHashes(count: number, from: number): Uint32Array {
  return Uint32Array.from({ length: count }, (_, i) => fmix32(from + i));
}

/** Two sets with `shared` common elements and `only` elements each of their own: Jaccard shared / (shared + 2·only). */
function pair(shared: number, only: number, salt: number): [Uint32Array, Uint32Array] {
  const common = randomHashes(shared, salt * 1_000_000);
  return [
    Uint32Array.from([...common, ...randomHashes(only, salt * 1_000_000 + 300_000)]),
    Uint32Array.from([...common, ...randomHashes(only, salt * 1_000_000 + 600_000)]),
  ];
}

describe('minhashSignature', () => {
  it('is null for an empty set', () => {
    expect(minhashSignature([])).toBeNull();
  });

  it('is deterministic, order-free and ignores repeats', () => {
    const hashes = randomHashes(50, 7);
    const sig = minhashSignature(hashes)!;
    expect(sig).toHaveLength(128);
    expect(minhashSignature([...hashes].reverse())).toEqual(sig);
    expect(minhashSignature([...hashes, ...hashes])).toEqual(sig);
    expect(minhashSignature(hashes, 128, DEFAULT_MINHASH_SEED + 1)).not.toEqual(sig);
  });

  it('computes (a·x + b) mod (2^31 − 1) exactly, for inputs across the 32-bit range', () => {
    // With one element the signature is h_i(x) itself; h_i(x) and h_i(x + p) must agree.
    const p = 2 ** 31 - 1;
    for (const x of [0, 1, 12345, p - 1]) {
      expect(minhashSignature([x + p])).toEqual(minhashSignature([x]));
    }
    for (const value of minhashSignature([0xffffffff])!) expect(value).toBeLessThan(p);
  });

  it('supports lengths that are not a multiple of four', () => {
    const hashes = randomHashes(10, 3);
    expect(minhashSignature(hashes, 6)).toEqual(minhashSignature(hashes, 8)!.slice(0, 6));
  });
});

describe('estimateJaccard', () => {
  it.each([
    [0.1, 10, 45],
    [0.25, 20, 30],
    [0.5, 40, 20],
    [0.8, 80, 10],
  ])('estimates Jaccard %s within 0.03 on average and 0.15 at worst', (jaccard, shared, only) => {
    const errors: number[] = [];
    for (let salt = 1; salt <= 40; salt++) {
      const [a, b] = pair(shared, only, salt);
      errors.push(estimateJaccard(minhashSignature(a)!, minhashSignature(b)!) - jaccard);
    }
    const bias = errors.reduce((s, e) => s + e, 0) / errors.length;
    expect(Math.abs(bias)).toBeLessThan(0.03);
    expect(Math.max(...errors.map(Math.abs))).toBeLessThan(0.15);
  });

  it('is 1 for identical sets and near 0 for disjoint ones', () => {
    const a = minhashSignature(randomHashes(30, 1))!;
    expect(estimateJaccard(a, a)).toBe(1);
    expect(estimateJaccard(a, minhashSignature(randomHashes(30, 5000))!)).toBeLessThan(0.05);
  });

  it('refuses signatures of different lengths', () => {
    expect(() => estimateJaccard(new Uint32Array(4), new Uint32Array(8))).toThrow(RangeError);
  });
});
