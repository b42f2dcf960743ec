import { describe, expect, it, test } from 'vitest';
import { lexicalFeatures } from '../pattern-index.js';
import { alignedSpans, nearDuplicateValue, passageMatch, shingleOverlap, type ShingleOverlap } from './near-duplicate.js';

const PASSAGE =
  'In the fourth round, US officials agreed that drug pricing is on the table in the talks. ' +
  'The UK side noted that the NHS would need a transition period of at least five years, ' +
  'and asked for the readout of the meeting to stay confidential until after the election.';

function text(t: string) {
  return lexicalFeatures(t);
}

function slices(source: string, spans: { start: number; end: number }[]): string[] {
  return spans.map((s) => source.slice(s.start, s.end));
}

describe('alignedSpans / passageMatch', () => {
  it('highlights exactly the shared run of words on both texts', () => {
    const post = 'BREAKING: officials agreed that Drug Pricing is on the table in the talks!! sources say';
    const match = passageMatch(text(post), { ...text(PASSAGE), id: 'p1', index: 3, text: PASSAGE });
    expect(match).toMatchObject({ passageId: 'p1', passageIndex: 3, passageText: PASSAGE });
    expect(slices(post, match.postSpans)).toEqual(['officials agreed that Drug Pricing is on the table in the talks']);
    expect(slices(PASSAGE, match.passageSpans)).toEqual(['officials agreed that drug pricing is on the table in the talks']);
  });

  it('gives one span per separate run and leaves lone shared words out', () => {
    const post = 'So the NHS would need a transition period, they say; readout of the meeting to stay confidential. Talks.';
    const spans = slices(post, alignedSpans(text(post), text(PASSAGE)).postSpans);
    expect(spans).toEqual(['the NHS would need a transition period', 'readout of the meeting to stay confidential']);
  });

  it('highlights the copied occurrence only, not every place the passage repeats a phrase', () => {
    const passage = 'The steering group met. Officials agreed that the steering group would decide the price. Later the steering group left.';
    const post = 'leak: officials agreed that the steering group would decide the price';
    const { passageSpans } = alignedSpans(text(post), text(passage));
    expect(slices(passage, passageSpans)).toEqual(['Officials agreed that the steering group would decide the price']);
  });

  it('gives no span for texts that share no three words in a row', () => {
    const post = 'the talks about drug pricing were on the news';
    expect(alignedSpans(text(post), text(PASSAGE))).toEqual({ postSpans: [], passageSpans: [] });
  });
});

describe('shingleOverlap', () => {
  it('measures containment, coverage and Jaccard on distinct shingles', () => {
    const overlap = shingleOverlap(new Set([1, 2, 3, 4]), new Set([3, 4, 5, 6, 7, 8, 9, 10]));
    expect(overlap).toEqual({ shared: 2, postShingles: 4, passageShingles: 8, containment: 0.5, coverage: 0.25, jaccard: 0.2 });
  });

  it('is all zeros for empty sets', () => {
    expect(shingleOverlap(new Set(), new Set([1]))).toMatchObject({ shared: 0, containment: 0, coverage: 0, jaccard: 0 });
  });
});

describe('nearDuplicateValue', () => {
  const overlap = (shared: number, post: number, passage: number): ShingleOverlap => ({
    shared,
    postShingles: post,
    passageShingles: passage,
    containment: shared / post,
    coverage: shared / passage,
    jaccard: shared / (post + passage - shared),
  });
  test.each([
    ['a post quoting a passage', overlap(20, 20, 118), 1],
    ['an edited copy', overlap(15, 20, 118), 0.75],
    ['a long post carrying a whole passage (coverage)', overlap(118, 600, 118), 1],
    ['a 4-word post: 2 shingles, too few to match', overlap(2, 2, 118), 0],
    ['a 3-word post: 1 shingle', overlap(1, 1, 118), 0],
    ['a 5-word post wholly inside the passage', overlap(3, 3, 118), 1],
    ['incidental overlap under the containment floor', overlap(3, 40, 118), 0],
    ['overlap just under the floor (the most a non-reuse Clough–Stevenson answer reached)', overlap(5, 40, 118), 0],
    ['overlap at the floor', overlap(6, 40, 118), 0.15],
  ])('%s', (_, o, expected) => {
    expect(nearDuplicateValue(o)).toBeCloseTo(expected, 10);
  });

  it('takes its floor and minimum from options', () => {
    expect(nearDuplicateValue(overlap(2, 2, 118), { minSharedShingles: 2 })).toBe(1);
    expect(nearDuplicateValue(overlap(15, 20, 118), { minContainment: 0.8 })).toBe(0);
  });
});

describe('near-duplicate scoring of real edits', () => {
  const passage = text(PASSAGE);
  const value = (post: string) => nearDuplicateValue(shingleOverlap(text(post).shingleSet, passage.shingleSet));

  it('scores an edited copy (words changed and dropped) high', () => {
    const edited =
      'US officials agreed drug pricing is on the table in these talks. The UK side noted that the NHS would need a transition period of at least 5 years';
    expect(value(edited)).toBeGreaterThan(0.5);
  });

  it('scores an unrelated post on the same topic 0', () => {
    expect(value('Drug pricing talks with the US stalled again today, the NHS confederation says, and officials will meet next week.')).toBe(0);
  });
});
