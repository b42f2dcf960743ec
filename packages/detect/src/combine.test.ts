import type { Signal, SignalName } from '@undertow/core';
import { describe, expect, it, test } from 'vitest';
import { combineSignals } from './combine.js';

const thresholds = { review: 0.5, priority: 0.8 };
const signal = (name: SignalName, value: number): Signal => ({ name, value, scorer: { name, version: '1' } });

describe('combineSignals', () => {
  test.each<[string, Signal[], number, string]>([
    ['no signals', [], 0, 'none'],
    ['one weak signal', [signal('near-duplicate', 0.3)], 0.3, 'none'],
    ['one signal at review', [signal('semantic-match', 0.5)], 0.5, 'review'],
    ['one signal at priority', [signal('url-match', 1)], 1, 'priority'],
    ['two agreeing signals get a boost', [signal('semantic-match', 0.6), signal('near-duplicate', 0.7)], 0.8, 'priority'],
    ['three agreeing signals get two boosts, clamped', [signal('semantic-match', 0.9), signal('near-duplicate', 0.95), signal('url-match', 1)], 1, 'priority'],
    ['a signal under the agreement floor adds nothing', [signal('semantic-match', 0.6), signal('near-duplicate', 0.4)], 0.6, 'review'],
    ['two weak signals stay weak', [signal('semantic-match', 0.45), signal('near-duplicate', 0.45)], 0.45, 'none'],
    ['two passages of one kind count once', [signal('near-duplicate', 0.6), signal('near-duplicate', 0.7)], 0.7, 'review'],
    ['behaviour signals are not content', [signal('near-duplicate', 0.6), signal('young-account', 1)], 0.6, 'review'],
    ['values are clamped into [0, 1]', [signal('semantic-match', 1.4)], 1, 'priority'],
    ['a non-finite value counts as 0', [signal('semantic-match', Number.NaN)], 0, 'none'],
  ])('%s', (_, signals, value, tier) => {
    const result = combineSignals(signals, thresholds);
    expect(result.value).toBeCloseTo(value, 10);
    expect(result.tier).toBe(tier);
  });

  it('uses the pattern thresholds and its own boost', () => {
    expect(combineSignals([signal('near-duplicate', 0.6)], { review: 0.7, priority: 0.9 }).tier).toBe('none');
    const boosted = combineSignals([signal('semantic-match', 0.6), signal('url-match', 1)], thresholds, { agreementBoost: 0 });
    expect(boosted.value).toBe(1);
    expect(combineSignals([signal('semantic-match', 0.6), signal('near-duplicate', 0.6)], thresholds, { agreementBoost: 0.05 }).value).toBeCloseTo(0.65, 10);
  });
});
