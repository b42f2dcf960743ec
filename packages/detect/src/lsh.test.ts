import { describe, expect, it } from 'vitest';
import { bandKeys, LshIndex } from './lsh.js';
import { minhashSignature } from './minhash.js';
import { shingle } from './shingles.js';

/** Deterministic pseudo-random words from a 5,000-word vocabulary. */
function words(count: number, seed: number): string[] {
  let s = seed >>> 0;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return `w${s % 5000}`;
  });
}

function signature(text: readonly string[]): Uint32Array {
  return minhashSignature(shingle(text).hashes)!;
}

describe('bandKeys', () => {
  it('gives one exact key per band, the same for equal signatures', () => {
    const sig = Uint32Array.from({ length: 8 }, (_, i) => i * 1000);
    expect(bandKeys(sig, 4, 2)).toEqual(['0:0.rs', '1:1jk.2bc', '2:334.3uw', '3:4mo.5eg']);
    expect(bandKeys(Uint32Array.from(sig), 4, 2)).toEqual(bandKeys(sig, 4, 2));
    expect(bandKeys(signature(words(30, 1)))).toHaveLength(64);
  });

  it('refuses a signature shorter than bands × rows', () => {
    expect(() => bandKeys(new Uint32Array(10), 64, 2)).toThrow(RangeError);
  });
});

describe('LshIndex', () => {
  it('finds posts fully contained in a 120-word passage (Jaccard 0.2–0.3) with high probability', () => {
    let found = 0;
    let tried = 0;
    for (let p = 0; p < 20; p++) {
      const passage = words(120, 100 + p);
      const index = new LshIndex<number>();
      index.add(p, signature(passage));
      for (let q = 0; q < 20; q++) {
        const length = 25 + (q % 16);
        const from = (q * 7) % (120 - length);
        tried++;
        if (index.query(signature(passage.slice(from, from + length))).includes(p)) found++;
      }
    }
    expect(found / tried).toBeGreaterThan(0.9);
  });

  it('rarely returns unrelated texts', () => {
    const index = new LshIndex<number>();
    for (let p = 0; p < 200; p++) index.add(p, signature(words(120, 10_000 + p)));
    let candidates = 0;
    for (let q = 0; q < 50; q++) candidates += index.query(signature(words(30, 90_000 + q))).length;
    expect(candidates / (50 * 200)).toBeLessThan(0.02);
  });

  it('adds, replaces and removes ids, and ranks candidates by shared bands', () => {
    const a = words(60, 1);
    const index = new LshIndex<string>();
    index.add('copy', signature(a));
    index.add('edited', signature([...a.slice(0, 40), ...words(20, 2)]));
    index.add('other', signature(words(60, 3)));
    expect(index.size).toBe(3);
    expect(index.query(signature(a)).slice(0, 2)).toEqual(['copy', 'edited']);
    expect(index.remove('copy')).toBe(true);
    expect(index.remove('copy')).toBe(false);
    expect(index.query(signature(a))).not.toContain('copy');
    index.add('edited', signature(words(60, 4)));
    expect(index.size).toBe(2);
    expect(index.query(signature(a))).not.toContain('edited');
  });
});
