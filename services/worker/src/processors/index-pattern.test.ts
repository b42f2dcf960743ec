import { describe, expect, it } from 'vitest';
import { DEFAULT_PASSAGE_OPTIONS, tokenize } from '@undertow/detect';
import { passageOptionsFor, patternPassages } from './index-pattern.js';

const DOCUMENT = Array.from({ length: 40 }, (_, i) => `Sentence ${i} of the briefing says the steering group agreed to withhold the valuation model from the council.`).join(' ');

describe('passage sizes follow the model’s token limit', () => {
  it('keeps the defaults for a model that reads 256 tokens or more, or without a model', () => {
    expect(passageOptionsFor(256)).toEqual(DEFAULT_PASSAGE_OPTIONS);
    expect(passageOptionsFor(512)).toEqual(DEFAULT_PASSAGE_OPTIONS);
    expect(passageOptionsFor(null)).toEqual(DEFAULT_PASSAGE_OPTIONS);
  });

  it.each([128, 64])('makes passages a %i-token model reads whole (at about 1.35 tokens a word), overlapping', (maxTokens) => {
    const options = passageOptionsFor(maxTokens);
    const passages = patternPassages({ kind: 'document', text: DOCUMENT, examples: [] }, options);
    expect(passages.length).toBeGreaterThan(patternPassages({ kind: 'document', text: DOCUMENT, examples: [] }).length);
    for (const passage of passages) expect(tokenize(passage.text).length * 1.35).toBeLessThanOrEqual(maxTokens);
    for (let i = 1; i < passages.length; i++) expect(passages[i]!.start).toBeLessThan(passages[i - 1]!.end);
  });
});
