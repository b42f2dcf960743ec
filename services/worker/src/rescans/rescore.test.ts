import { describe, expect, it } from 'vitest';
import type { Pattern, PatternScore, Score, Signal } from '@undertow/core';
import { combineWithBehaviour, rescoreChange, storedBehaviour } from './rescore.js';

const content = (value: number): Signal => ({ name: 'near-duplicate', value, scorer: { name: 'near-duplicate', version: '1' } });
const burst: Signal = { name: 'coordinated-burst', value: 1, scorer: { name: 'coordinated-burst', version: '1' } };
const young: Signal = { name: 'young-account', value: 1, scorer: { name: 'young-account', version: '1' } };

function entry(patternId: string, version: number, value: number, tier: PatternScore['tier'], extra: Signal[] = []): PatternScore {
  return { patternId, patternVersion: version, value, tier, signals: [content(value), ...extra] };
}

function stored(patterns: PatternScore[]): Score {
  return { postId: '7', value: 0, tier: 'none', patterns, versions: { model: 'none', scorer: 'detect@1', patterns: {} }, scoredAt: '2026-01-01T00:00:00.000Z' };
}

const pattern = (id: string): Pattern => ({
  id,
  kind: 'document',
  name: id,
  description: null,
  version: 2,
  status: 'ready',
  active: true,
  text: 'x',
  examples: [],
  urls: [],
  thresholds: { review: 0.5, priority: 0.8 },
  tags: [],
  params: {},
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('rescoreChange', () => {
  const versions = new Map([['new', 2]]);

  it('replaces the rescanned pattern’s result and keeps every other pattern’s', () => {
    const change = rescoreChange(stored([entry('other', 1, 0.6, 'review')]), [entry('new', 2, 0.9, 'priority')], versions, 'none', '2026-02-01T00:00:00.000Z');
    expect(change?.score).toMatchObject({ postId: '7', value: 0.9, tier: 'priority', versions: { patterns: { new: 2, other: 1 } }, scoredAt: '2026-02-01T00:00:00.000Z' });
    expect(change?.score.patterns.map((p) => p.patternId)).toEqual(['new', 'other']);
    expect(change?.replaces).toBe('2026-01-01T00:00:00.000Z');
    expect(change?.transitions).toEqual([{ patternId: 'new', patternVersion: 2, from: null, to: { tier: 'priority', value: 0.9, signals: [content(0.9)], match: null } }]);
  });

  it('answers null when nothing about the rescanned pattern changed, so the post costs no write', () => {
    expect(rescoreChange(stored([entry('new', 2, 0.7, 'review')]), [entry('new', 2, 0.7, 'review')], versions, 'none', 'later')).toBeNull();
    expect(rescoreChange(stored([entry('other', 1, 0.7, 'review')]), [], versions, 'none', 'later')).toBeNull();
  });

  it('records a pattern that no longer matches as a transition to none, and one whose version moved on', () => {
    const gone = rescoreChange(stored([entry('new', 1, 0.7, 'review')]), [], versions, 'none', 'later');
    expect(gone?.transitions).toEqual([{ patternId: 'new', patternVersion: 2, from: { tier: 'review', value: 0.7 }, to: { tier: 'none', value: 0, signals: [], match: null } }]);
    expect(gone?.score).toMatchObject({ tier: 'none', patterns: [] });
    const moved = rescoreChange(stored([entry('new', 1, 0.7, 'review')]), [entry('new', 2, 0.7, 'review')], versions, 'none', 'later');
    expect(moved?.transitions[0]).toMatchObject({ patternVersion: 2, from: { tier: 'review' }, to: { tier: 'review' } });
  });
});

describe('combineWithBehaviour', () => {
  it('folds the behaviour signals the stored score carries into the fresh content score, as live scoring does', () => {
    const old = stored([entry('builtin-burst', 1, 1, 'priority', [burst, young])]);
    expect(storedBehaviour(old).map((s) => s.name).sort()).toEqual(['coordinated-burst', 'young-account']);
    const [lifted] = combineWithBehaviour([entry('new', 2, 0.6, 'review')], old, [pattern('new')]);
    // 0.6 + 0.4 × 0.6 × 1: the relaunch by young accounts lifts a review-level copy to priority.
    expect(lifted).toMatchObject({ patternId: 'new', contentValue: 0.6, tier: 'priority' });
    expect(lifted!.value).toBeCloseTo(0.84, 6);
  });

  it('leaves content scores alone when the post carries no behaviour', () => {
    const [plain] = combineWithBehaviour([entry('new', 2, 0.6, 'review')], stored([]), [pattern('new')]);
    expect(plain).toMatchObject({ value: 0.6, tier: 'review' });
  });
});
