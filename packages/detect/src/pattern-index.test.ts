import { DEFAULT_THRESHOLDS, type Pattern } from '@undertow/core';
import { describe, expect, it } from 'vitest';
import { splitPassages } from './passages.js';
import { lexicalFeatures, PatternIndex, postFeatures, type IndexedPassage } from './pattern-index.js';
import { fmix32 } from './shingles.js';

// Invented text standing in for a leaked document.
const MEMO = [
  'Readout of the fourth round of the working group on trade and investment. The meeting was held in Washington over two days ' +
    'and covered market access, intellectual property, pharmaceutical pricing and the timetable for the next rounds. Both sides ' +
    'agreed that the notes would not be shared beyond the working group until the political calendar allowed it.',
  'On pharmaceutical pricing, US officials said that drug pricing is on the table in any comprehensive agreement, and that the ' +
    'current reference pricing used by the health service would be treated as a barrier to trade. The UK side noted that the NHS ' +
    'would need a transition period of at least five years and that any change would need cover from ministers before it could be discussed.',
  'On market access, the US delegation pressed for a negative list approach to services, with carve-outs agreed line by line. ' +
    'UK officials were concerned that a negative list would lock in future liberalisation by default and asked for more time to ' +
    'consult the devolved administrations on the consequences for procurement in Scotland and Wales.',
  'On intellectual property, the delegations discussed patent term extensions and data exclusivity for biologics. The US side ' +
    'argued that longer exclusivity periods would encourage investment in research, while the UK side pointed to the cost to the ' +
    'health budget and asked for modelling of the likely effect on the price of medicines over the next decade.',
].join('\n\n');

function pattern(overrides: Partial<Pattern> & { id: string }): Pattern {
  return {
    kind: 'document',
    name: overrides.id,
    description: null,
    version: 1,
    status: 'ready',
    active: true,
    text: null,
    examples: [],
    urls: [],
    thresholds: DEFAULT_THRESHOLDS,
    tags: [],
    params: {},
    createdAt: '2019-10-21T00:00:00Z',
    updatedAt: '2019-10-21T00:00:00Z',
    ...overrides,
  };
}

function passagesOf(p: Pattern, texts: { text: string; start: number; end: number }[], embed?: (i: number) => Float32Array): IndexedPassage[] {
  return texts.map((t, index) => ({
    id: `${p.id}:${index}`,
    patternId: p.id,
    patternVersion: p.version,
    index,
    text: t.text,
    start: t.start,
    end: t.end,
    minhash: lexicalFeatures(t.text).minhash,
    ...(embed ? { embedding: embed(index) } : {}),
  }));
}

/** A deterministic pseudo-random vector. */
function vector(seed: number, dim = 16): Float32Array {
  return Float32Array.from({ length: dim }, (_, i) => (fmix32(seed * 1000 + i) / 2 ** 32) * 2 - 1);
}

const memo = pattern({ id: 'memo', text: MEMO, urls: ['https://leaks.example.org/trade-talks.pdf'] });
const memoPassages = passagesOf(memo, splitPassages(MEMO, { targetTokens: 60, overlapTokens: 15, maxTokens: 90 }), (i) => vector(i + 1));
const narrative = pattern({ id: 'narrative', kind: 'narrative', examples: ['The NHS is for sale and the trade deal proves it, read the documents yourself'] });
const narrativePassages = passagesOf(narrative, [{ text: narrative.examples[0]!, start: 0, end: narrative.examples[0]!.length }]);
const behaviour = pattern({ id: 'burst', kind: 'behaviour' });
const inactive = pattern({ id: 'inactive', active: false, text: MEMO });

function build(extra: { patterns?: Pattern[]; passages?: IndexedPassage[]; model?: string } = {}) {
  return new PatternIndex({
    patterns: [memo, narrative, behaviour, inactive, ...(extra.patterns ?? [])],
    passages: [...memoPassages, ...narrativePassages, ...passagesOf(inactive, [{ text: MEMO, start: 0, end: MEMO.length }]), ...(extra.passages ?? [])],
    model: extra.model ?? 'test-model',
  });
}

const COPIED = 'US officials said that drug pricing is on the table in any comprehensive agreement';

describe('PatternIndex', () => {
  const index = build();

  it('indexes the active content patterns only', () => {
    expect(index.patternCount).toBe(2);
    expect(index.passageCount).toBe(memoPassages.length + 1);
  });

  it('scores a post copying a passage with a near-duplicate signal, the passage and the copied spans', () => {
    const text = `Leaked: ${COPIED}. Read it before they delete it`;
    const [score, ...rest] = index.score(postFeatures(text));
    expect(rest).toEqual([]);
    // 12 of the post's 19 shingles are copied: the commentary around the quote dilutes it.
    expect(score).toMatchObject({ patternId: 'memo', patternVersion: 1, value: 0.631579, tier: 'review' });
    expect(index.score(postFeatures(COPIED))[0]).toMatchObject({ value: 1, tier: 'priority' });
    const [signal] = score!.signals;
    expect(signal).toMatchObject({ name: 'near-duplicate', scorer: { name: 'near-duplicate', version: '1' }, model: 'none', patternId: 'memo' });
    expect(signal!.detail).toMatchObject({ sharedShingles: 12, postShingles: 19, shingleSize: 3 });
    const passage = memoPassages.find((p) => p.id === signal!.passageId)!;
    expect(passage.text).toContain(COPIED);
    expect(score!.match!.passageId).toBe(passage.id);
    expect(score!.match!.postSpans.map((s) => text.slice(s.start, s.end))).toEqual([COPIED]);
    expect(score!.match!.passageSpans.map((s) => passage.text.slice(s.start, s.end))).toEqual([COPIED]);
  });

  it('finds short verbatim quotes of a long passage, which share few shingles with it', () => {
    const passage = memoPassages.find((p) => p.text.includes(COPIED))!;
    const words = passage.text.split(/\s+/);
    let found = 0;
    for (let i = 0; i + 8 <= words.length; i++) {
      const [score] = index.score(postFeatures(words.slice(i, i + 8).join(' ')));
      if (score?.signals.some((s) => s.name === 'near-duplicate' && s.value === 1)) found++;
    }
    expect(found / (words.length - 7)).toBeGreaterThan(0.95);
  });

  it('scores an edited copy high and an unrelated post not at all', () => {
    const edited = 'US officials said drug pricing is on the table in any trade agreement, and the reference pricing used by the NHS would be treated as a barrier to trade';
    const [score] = index.score(postFeatures(edited));
    expect(score?.patternId).toBe('memo');
    expect(score!.value).toBeGreaterThanOrEqual(0.5);
    expect(index.score(postFeatures('Lovely weather in Leeds today, off to the match with the kids this afternoon'))).toEqual([]);
    expect(index.score(postFeatures('Drug prices and the NHS were discussed in the trade talks, the minister said on Sunday'))).toEqual([]);
  });

  it('scores a link to the pattern URL, however it is written', () => {
    const [score] = index.score(postFeatures('have a look', ['http://www.leaks.example.org/trade-talks.pdf?utm_source=tw&fbclid=x']));
    expect(score).toMatchObject({ patternId: 'memo', value: 1, tier: 'priority' });
    expect(score!.signals).toEqual([
      { name: 'url-match', value: 1, scorer: { name: 'url-match', version: '1' }, model: 'none', patternId: 'memo', detail: { urls: ['https://leaks.example.org/trade-talks.pdf'] } },
    ]);
    expect(score!.match).toBeUndefined();
    expect(index.score(postFeatures('see https://leaks.example.org/trade-talks.pdf#page=3'))[0]?.patternId).toBe('memo');
  });

  it('boosts a pattern whose signals agree', () => {
    const edited = 'US officials said drug pricing is on the table in any trade agreement, and the reference pricing used by the NHS would be treated as a barrier';
    const [alone] = index.score(postFeatures(edited));
    const passage = alone!.signals[0]!.passageId!;
    // An embedding at cosine 0.7 to the passage's: semantic value 0.625.
    const v = memoPassages.find((p) => p.id === passage)!.embedding!;
    const unit = (x: Float32Array) => x.map((e) => e / Math.hypot(...x));
    const u = unit(v);
    const w = vector(99);
    const dot = w.reduce((s, e, i) => s + e * u[i]!, 0);
    const orthogonal = unit(w.map((e, i) => e - dot * u[i]!));
    const q = u.map((e, i) => 0.7 * e + Math.sqrt(1 - 0.49) * orthogonal[i]!);
    const [both] = index.score(postFeatures(edited, [], q, 'test-model'));
    expect(both!.signals.map((s) => s.name)).toEqual(['near-duplicate', 'semantic-match']);
    const values = both!.signals.map((s) => s.value);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0.5);
    expect(both!.value).toBeCloseTo(Math.max(...values) + 0.1, 6);
  });

  it('matches an embedding against the passage embeddings of the same model', () => {
    const near = vector(3).map((x, i) => x + (i % 2 ? 0.05 : -0.05));
    const [score] = index.score(postFeatures('a paraphrase in other words', [], near, 'test-model'));
    expect(score).toMatchObject({ patternId: 'memo', tier: 'priority' });
    expect(score!.signals[0]).toMatchObject({ name: 'semantic-match', model: 'test-model', passageId: 'memo:2', patternId: 'memo' });
    expect(score!.signals[0]!.detail!['cosine']).toBeGreaterThan(0.95);
    expect(score!.match).toMatchObject({ passageId: 'memo:2', postSpans: [], passageSpans: [] });
  });

  it('gives no semantic signal without an embedding or for another model', () => {
    const features = postFeatures('a paraphrase in other words', [], null, 'test-model');
    expect(features.model).toBe('none');
    expect(index.score(features)).toEqual([]);
    expect(index.score(postFeatures('a paraphrase in other words', [], vector(3), 'other-model'))).toEqual([]);
  });

  it('scores only the patterns asked for', () => {
    const features = postFeatures(`${COPIED} and the NHS is for sale and the trade deal proves it`);
    expect(index.score(features).map((s) => s.patternId).sort()).toEqual(['memo', 'narrative']);
    expect(index.score(features, { patternIds: new Set(['narrative']) }).map((s) => s.patternId)).toEqual(['narrative']);
  });

  it('ignores passages of another version of the pattern', () => {
    const stale = passagesOf({ ...memo, id: 'memo', version: 0 }, [{ text: 'An old draft about fishing quotas and nothing else of note at all', start: 0, end: 64 }]);
    const withStale = build({ passages: stale });
    expect(withStale.passageCount).toBe(index.passageCount);
    expect(withStale.score(postFeatures('An old draft about fishing quotas and nothing else of note at all'))).toEqual([]);
  });

  it('takes scorer parameters from the pattern', () => {
    const strict = pattern({ id: 'strict', text: MEMO, params: { 'near-duplicate.minContainment': 0.95 } });
    const strictIndex = new PatternIndex({ patterns: [strict], passages: passagesOf(strict, splitPassages(MEMO)) });
    const edited = 'US officials said drug pricing is on the table in any trade agreement, and the reference pricing used by the NHS would be treated as a barrier to trade';
    expect(strictIndex.score(postFeatures(edited))).toEqual([]);
    expect(strictIndex.score(postFeatures(COPIED))[0]?.value).toBe(1);
  });

  it('refuses post features made with other lexical settings, and passage embeddings of mixed sizes', () => {
    expect(() => index.score(postFeatures(COPIED, [], null, 'none', { numHashes: 64 }))).toThrow(RangeError);
    const mixed = passagesOf(pattern({ id: 'mixed' }), [{ text: 'x y z', start: 0, end: 5 }], () => vector(1, 8));
    expect(() => build({ patterns: [pattern({ id: 'mixed' })], passages: mixed })).toThrow(RangeError);
  });
});

describe('postFeatures', () => {
  it('computes the lexical features, the text hash and the URL keys of the text and of the URL fields', () => {
    const f = postFeatures('RT @a: Read the memo https://t.co/x?utm_source=tw', ['https://www.example.org/memo/']);
    expect(f.normalized).toBe('read the memo');
    expect(f.textHash).toMatch(/^[0-9a-f]{32}$/);
    expect(f.urlKeys).toEqual(['https://example.org/memo', 'https://t.co/x']);
    expect(f.tokens.map((t) => t.text)).toEqual(['read', 'the', 'memo']);
    expect(f.minhash).toHaveLength(128);
    expect(postFeatures('https://t.co/only-a-link').minhash).toBeNull();
  });
});
