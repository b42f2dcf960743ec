import { describe, expect, it, test } from 'vitest';
import { cosineSimilarity, semanticMatchValue, unitVector } from './semantic-match.js';

describe('semanticMatchValue', () => {
  test.each([
    [0.2, 0],
    [0.45, 0],
    [0.65, 0.5],
    [0.77, 0.8],
    [0.85, 1],
    [0.97, 1],
    [Number.NaN, 0],
  ])('cosine %s → %s with the default floor 0.45 and ceiling 0.85', (cosine, expected) => {
    expect(semanticMatchValue(cosine)).toBeCloseTo(expected, 10);
  });

  it('maps linearly between its own floor and ceiling', () => {
    expect(semanticMatchValue(0.7, { floor: 0.6, ceiling: 0.8 })).toBeCloseTo(0.5, 10);
  });

  it('rejects a ceiling that does not exceed the floor', () => {
    expect(() => semanticMatchValue(0.5, { floor: 0.8, ceiling: 0.8 })).toThrow(RangeError);
  });
});

describe('cosineSimilarity and unitVector', () => {
  it('measures the angle, not the length', () => {
    expect(cosineSimilarity([1, 0], [5, 0])).toBeCloseTo(1, 10);
    expect(cosineSimilarity([1, 0], [0, 3])).toBeCloseTo(0, 10);
    expect(cosineSimilarity([1, 1], [-1, -1])).toBeCloseTo(-1, 10);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
  });

  it('scales to unit length, so a dot product is the cosine', () => {
    expect([...unitVector([3, 4])].map((x) => Number(x.toFixed(6)))).toEqual([0.6, 0.8]);
    expect([...unitVector([0, 0])]).toEqual([0, 0]);
  });
});
