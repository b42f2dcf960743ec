import { describe, expect, it } from 'vitest';
import { precisionAtOrAbove, suggestThreshold, type ScoreOutcome } from './threshold-suggestion.js';

const c = (score: number, n = 1): ScoreOutcome => ({ score, confirmed: n, dismissed: 0 });
const d = (score: number, n = 1): ScoreOutcome => ({ score, confirmed: 0, dismissed: n });

describe('suggestThreshold', () => {
  it.each([
    // [decided flags, target, expected threshold, confirmed at or above, dismissed at or above]
    ['all confirmed: the lowest decided score', [c(0.9), c(0.7), c(0.55)], 0.9, 0.55, 3, 0],
    ['dismissals at the bottom: just above them', [c(0.95), c(0.9), c(0.85), d(0.6), d(0.55)], 0.9, 0.85, 3, 0],
    ['one dismissal among many confirmations is tolerated at 0.9', [...Array.from({ length: 9 }, (_, i) => c(0.9 - i * 0.01)), d(0.805), c(0.8)], 0.9, 0.8, 10, 1],
    ['a stricter target excludes it', [...Array.from({ length: 9 }, (_, i) => c(0.9 - i * 0.01)), d(0.805), c(0.8)], 0.95, 0.82, 9, 0],
    ['precision that recovers lower down is found, not just the first dip', [c(0.9), d(0.8), c(0.7, 20)], 0.9, 0.7, 21, 1],
    ['equal scores are one step', [c(0.7), d(0.7), c(0.9)], 0.9, 0.9, 1, 0],
  ])('%s', (_name, points, target, threshold, confirmed, dismissed) => {
    const suggestion = suggestThreshold(points as ScoreOutcome[], target as number);
    expect(suggestion.threshold).toBeCloseTo(threshold as number, 10);
    expect([suggestion.confirmed, suggestion.dismissed]).toEqual([confirmed, dismissed]);
    expect(suggestion.precision).toBeGreaterThanOrEqual(target as number);
  });

  it('answers no threshold when even the top flag was dismissed, with the counts it rests on', () => {
    const suggestion = suggestThreshold([d(0.95), c(0.9), d(0.8)], 0.9);
    expect(suggestion).toMatchObject({ threshold: null, precision: null, below: { confirmed: 1, dismissed: 2 }, sufficient: false });
  });

  it('marks a suggestion resting on few decisions as insufficient', () => {
    expect(suggestThreshold([c(0.9), c(0.8)], 0.9).sufficient).toBe(false);
    expect(suggestThreshold([c(0.9, 8), d(0.6, 2)], 0.9)).toMatchObject({ threshold: 0.9, sufficient: true, below: { confirmed: 0, dismissed: 2 } });
  });

  it('answers nothing over no decisions', () => {
    expect(suggestThreshold([], 0.9)).toMatchObject({ threshold: null, confirmed: 0, dismissed: 0, sufficient: false });
  });

  it('refuses a target outside (0, 1]', () => {
    expect(() => suggestThreshold([c(0.9)], 0)).toThrow(RangeError);
    expect(() => suggestThreshold([c(0.9)], 1.5)).toThrow(RangeError);
  });
});

describe('precisionAtOrAbove', () => {
  it('counts the decided flags at or above the threshold', () => {
    expect(precisionAtOrAbove([c(0.9, 3), d(0.6), c(0.5)], 0.6)).toEqual({ threshold: 0.6, precision: 0.75, confirmed: 3, dismissed: 1 });
    expect(precisionAtOrAbove([c(0.4)], 0.5)).toEqual({ threshold: 0.5, precision: null, confirmed: 0, dismissed: 0 });
  });
});
