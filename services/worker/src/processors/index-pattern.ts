import type { Logger } from 'pino';
import type { Pattern } from '@undertow/core';
import { postFeatures, splitPassages } from '@undertow/detect';
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
  log: Logger;
}

/** The passages of a pattern: overlapping windows of a document, or each narrative example. */
export function patternPassages(pattern: Pick<Pattern, 'kind' | 'text' | 'examples'>) {
  // splitPassages' defaults keep a passage under 256 model tokens (about 1.3 tokens a word).
  if (pattern.kind === 'document' && pattern.text) return splitPassages(pattern.text);
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
    const passages = patternPassages(pattern).map((passage) => {
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
