import type { Logger } from 'pino';
import type { Pattern } from '@undertow/core';
import { DEFAULT_PASSAGE_OPTIONS, postFeatures, splitPassages, type SplitPassagesOptions } from '@undertow/detect';
import type { PatternClock, Processor } from '@undertow/queue';
import type { Store } from '@undertow/store';
import type { AutomaticRescans } from '../rescans/automatic-rescans.js';
import type { Embeddings } from '../scoring/embeddings.js';

export interface IndexPatternDeps {
  store: Pick<Store, 'patterns'>;
  embeddings: Pick<Embeddings, 'embed'>;
  clock: Pick<PatternClock, 'bump'>;
  /** Starts the rescan of recent history once a version is ready; none when absent. */
  rescans?: Pick<AutomaticRescans, 'afterIndexed'>;
  /** Passage sizes; `passageOptionsFor(model.maxTokens)`. Default: sized for 256 model tokens. */
  passages?: SplitPassagesOptions;
  log: Logger;
}

const SIZED_FOR_TOKENS = 256;

/**
 * Passage sizes for a model that reads at most `maxTokens` tokens. splitPassages' defaults are
 * sized for 256 (a typical passage near 155 WordPiece tokens, the longest near 230); a model
 * that reads fewer gets proportionally shorter passages and overlap, so that it sees each
 * passage whole and a quote as long as the overlap still lies inside one passage.
 */
export function passageOptionsFor(maxTokens: number | null | undefined): Required<SplitPassagesOptions> {
  if (!maxTokens || maxTokens >= SIZED_FOR_TOKENS) return { ...DEFAULT_PASSAGE_OPTIONS };
  const scale = maxTokens / SIZED_FOR_TOKENS;
  const targetTokens = Math.max(4, Math.floor(DEFAULT_PASSAGE_OPTIONS.targetTokens * scale));
  const overlapTokens = Math.min(Math.floor(targetTokens / 2), Math.max(1, Math.floor(DEFAULT_PASSAGE_OPTIONS.overlapTokens * scale)));
  const maxWords = Math.max(targetTokens, Math.floor(DEFAULT_PASSAGE_OPTIONS.maxTokens * scale));
  return { targetTokens, overlapTokens, maxTokens: maxWords };
}

/** The passages of a pattern: overlapping windows of a document, or each narrative example. */
export function patternPassages(pattern: Pick<Pattern, 'kind' | 'text' | 'examples'>, options: SplitPassagesOptions = {}) {
  // splitPassages' defaults keep a passage under 256 model tokens (about 1.3 tokens a word).
  if (pattern.kind === 'document' && pattern.text) return splitPassages(pattern.text, options);
  if (pattern.kind === 'narrative') {
    let offset = 0;
    return pattern.examples.map((text, index) => {
      const passage = { index, text, start: offset, end: offset + text.length };
      offset += text.length + 1;
      return passage;
    });
  }
  return [];
}

/** Splits a new pattern version into passages, embeds them and marks the version ready. */
export function indexPatternProcessor(deps: IndexPatternDeps): Processor<'index-pattern'> {
  return async (job) => {
    const { patternId, version } = job.data;
    const pattern = await deps.store.patterns.get(patternId);
    if (!pattern || pattern.version !== version) return { skipped: 'superseded' };
    const passages = patternPassages(pattern, deps.passages).map((passage) => {
      const features = postFeatures(passage.text);
      return { ...passage, textHash: features.textHash, minhash: features.minhash ?? new Uint32Array(0) };
    });
    await deps.embeddings.embed(passages.map((p) => ({ textHash: p.textHash, text: p.text })));
    const current = await deps.store.patterns.replacePassages(patternId, version, passages);
    if (!current) return { skipped: 'superseded' };
    const ready = await deps.store.patterns.setStatus(patternId, version, 'ready');
    await deps.clock.bump();
    // Where has this material already been? Rescan recent history against the new version.
    const rescan = ready && deps.rescans ? await deps.rescans.afterIndexed(pattern) : null;
    deps.log.info({ patternId, version, passages: passages.length, rescanId: rescan?.id }, 'pattern indexed');
    return { passages: passages.length, rescanId: rescan?.id ?? null };
  };
}
