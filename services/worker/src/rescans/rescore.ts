import type { Pattern, PatternScore, Score, Signal } from '@undertow/core';
import { BEHAVIOUR_SIGNALS, withBehaviour } from '@undertow/detect';
import type { PatternTransition, ScoreChange } from '@undertow/store';
import { buildScore } from '../scoring/score-posts.js';

/**
 * The one place where behaviour signals join a rescan's fresh content scores.
 *
 * A rescan does not rebuild stories yet: it folds in the behaviour signals the post's stored
 * score carries — those live scoring last computed for the post's story — exactly as live
 * scoring folds them in (`withBehaviour`). When rescans recompute story behaviour, this is
 * the function to change.
 */
export function combineWithBehaviour(content: readonly PatternScore[], stored: Score, patterns: readonly Pattern[]): PatternScore[] {
  const behaviour = storedBehaviour(stored);
  const byId = new Map(patterns.map((p) => [p.id, p]));
  return content.map((score) => {
    const pattern = byId.get(score.patternId);
    return pattern ? withBehaviour(score, behaviour, pattern.thresholds) : score;
  });
}

/** The behaviour signals in a stored score, one per name (the strongest). */
export function storedBehaviour(score: Score): Signal[] {
  const strongest = new Map<string, Signal>();
  for (const pattern of score.patterns) {
    for (const signal of pattern.signals) {
      if (!BEHAVIOUR_SIGNALS.includes(signal.name)) continue;
      const seen = strongest.get(signal.name);
      if (!seen || signal.value > seen.value) strongest.set(signal.name, signal);
    }
  }
  return [...strongest.values()];
}

/**
 * A post's score after a rescan: the stored results of the rescanned patterns replaced by the
 * fresh ones, every other pattern's result kept. Null when no rescanned pattern's version,
 * value or tier changed, so an unchanged post costs no write.
 *
 * @param versions the rescanned patterns and the versions they are scored with.
 */
export function rescoreChange(stored: Score, fresh: readonly PatternScore[], versions: ReadonlyMap<string, number>, model: string, scoredAt: string): ScoreChange | null {
  const before = new Map(stored.patterns.filter((p) => versions.has(p.patternId)).map((p) => [p.patternId, p]));
  const after = new Map(fresh.filter((p) => versions.has(p.patternId)).map((p) => [p.patternId, p]));
  const transitions: PatternTransition[] = [];
  for (const [patternId, version] of versions) {
    const old = before.get(patternId);
    const now = after.get(patternId);
    if (!old && !now) continue;
    if (old && now && old.patternVersion === now.patternVersion && old.value === now.value && old.tier === now.tier) continue;
    transitions.push({
      patternId,
      patternVersion: now?.patternVersion ?? version,
      from: old ? { tier: old.tier, value: old.value } : null,
      to: now ? { tier: now.tier, value: now.value, signals: now.signals, match: now.match ?? null } : { tier: 'none', value: 0, signals: [], match: null },
    });
  }
  if (transitions.length === 0) return null;
  const patterns = [...stored.patterns.filter((p) => !versions.has(p.patternId)), ...after.values()].sort((a, b) => b.value - a.value);
  return { score: buildScore(stored.postId, patterns, model, scoredAt), replaces: stored.scoredAt, transitions };
}
