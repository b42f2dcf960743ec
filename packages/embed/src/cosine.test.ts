import { expect, test } from 'vitest';
import { cosine, dot, normalizeInPlace } from './cosine.js';

test('cosine ignores length; dot equals it on unit vectors', () => {
  const a = Float32Array.from([3, 4]);
  const b = Float32Array.from([6, 8]);
  expect(cosine(a, b)).toBeCloseTo(1, 6);
  expect(dot(normalizeInPlace(a), normalizeInPlace(b))).toBeCloseTo(1, 6);
  expect(cosine(Float32Array.from([1, 0]), Float32Array.from([0, 2]))).toBe(0);
});

test('an all-zero vector has cosine 0, not NaN', () => {
  expect(cosine(new Float32Array(3), Float32Array.from([1, 2, 3]))).toBe(0);
});

test('vectors of different lengths are an error', () => {
  expect(() => dot(new Float32Array(2), new Float32Array(3))).toThrow(/lengths differ/);
});
