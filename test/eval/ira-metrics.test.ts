import { describe, expect, it } from 'vitest';
import { burstRecall, pairwise } from './ira-metrics.js';

describe('pairwise', () => {
  it('counts agreeing, missing and extra pairs, and tells identical-text merges apart', () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    const truth = new Map([['a', 'T1'], ['b', 'T1'], ['c', 'T1'], ['d', null], ['e', null]]);
    const predicted = new Map([['a', 'S1'], ['b', 'S1'], ['c', 'S2'], ['d', 'S1'], ['e', 'S2']]);
    const text = new Map([['a', 'x'], ['b', 'x'], ['c', 'x'], ['d', 'x'], ['e', 'y']]);
    const report = pairwise(items, truth, predicted, text);
    expect(report).toMatchObject({ truthPairs: 3, predictedPairs: 4, agreeingPairs: 1, sameTextPairs: 2, differentTextPairs: 1 });
    expect(report.precision).toBe(0.25);
    expect(report.recall).toBeCloseTo(1 / 3);
    expect(report.precisionSameTextCounted).toBe(0.75);
  });

  it('counts same-headline merges (different tags) apart from other different-text merges', () => {
    const items = ['a', 'b', 'c'];
    const truth = new Map<string, string | null>([['a', null], ['b', null], ['c', null]]);
    const predicted = new Map([['a', 'S'], ['b', 'S'], ['c', 'S']]);
    const text = new Map([['a', 'news politics'], ['b', 'news sports'], ['c', 'other']]);
    const headline = new Map([['a', 'news'], ['b', 'news'], ['c', 'other']]);
    const report = pairwise(items, truth, predicted, text, headline);
    expect(report).toMatchObject({ predictedPairs: 3, agreeingPairs: 0, sameTextPairs: 0, differentTextPairs: 3, sameHeadlinePairs: 1 });
    expect(report.precisionNearDuplicateCounted).toBeCloseTo(1 / 3);
  });
});

describe('burstRecall', () => {
  const posts = (cluster: string, minutes: number[]) => minutes.map((m, i) => ({ id: `${cluster}${i}`, clusterId: cluster, authorId: `u${i}`, at: m * 60_000 }));
  it('counts clusters with five accounts inside an hour and the delay to their first flag', () => {
    const all = [...posts('A', [0, 10, 20, 30, 40, 50]), ...posts('B', [0, 100, 200, 300, 400])];
    const report = burstRecall(all, new Map([['A4', 40 * 60_000]]));
    expect(report).toMatchObject({ clusters: 1, caught: 1, recall: 1, medianDelayMinutes: 40 });
  });
});

describe('nearDuplicatePairs', () => {
  it('counts merged pairs of different texts that share most of their wording', async () => {
    const { nearDuplicatePairs } = await import('./ira-metrics.js');
    const items = ['a', 'b', 'c', 'd'];
    const predicted = new Map([['a', 'S'], ['b', 'S'], ['c', 'S'], ['d', 'S']]);
    const text = new Map([
      ['a', 'manoj tiwari is following me now on twitter thanks ready for your follow'],
      ['b', 'jade homes is following me now on twitter thanks ready for your follow'],
      ['c', 'manoj tiwari is following me now on twitter thanks ready for your follow'],
      ['d', 'something else entirely about the harbour and the port'],
    ]);
    expect(nearDuplicatePairs(items, predicted, text)).toBe(2);
  });

  it('leaves out pairs the truth already holds (edited copies of one cluster)', async () => {
    const { nearDuplicatePairs } = await import('./ira-metrics.js');
    const predicted = new Map([['a', 'S'], ['b', 'S']]);
    const text = new Map([['a', 'one two three four five six'], ['b', 'one two three four five seven']]);
    expect(nearDuplicatePairs(['a', 'b'], predicted, text, new Map([['a', 'T'], ['b', 'T']]))).toBe(0);
    expect(nearDuplicatePairs(['a', 'b'], predicted, text, new Map([['a', 'T'], ['b', null]]))).toBe(1);
  });
});
