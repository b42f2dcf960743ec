import { tierFor, type Pattern, type PatternScore, type Signal, type SignalName } from '@undertow/core';
import { singleUseAccount, youngAccount } from '../signals/account.js';
import { coordinatedBurst } from '../signals/coordinated-burst.js';
import { crossCommunitySpray } from '../signals/cross-community-spray.js';
import { lowTractionRelaunch } from '../signals/low-traction-relaunch.js';
import { behaviourRuleOf, type BehaviourParams, type BehaviourRule } from './behaviour-params.js';
import type { AuthorActivity, StoryPost, StoryView } from './story-view.js';

/** Signals saying the material is being pushed, rather than what it is. */
export const AMPLIFICATION_SIGNALS: readonly SignalName[] = ['low-traction-relaunch', 'coordinated-burst', 'cross-community-spray'];
/** Signals about who pushes it. */
export const ACCOUNT_SIGNALS: readonly SignalName[] = ['young-account', 'single-use-account'];
export const BEHAVIOUR_SIGNALS: readonly SignalName[] = [...AMPLIFICATION_SIGNALS, ...ACCOUNT_SIGNALS];

/**
 * How far behaviour can lift a content score toward 1: `value + (1 − value) × boost × strength`.
 * At the default 0.6 a post that carries the material at review level (0.6) and is part of a
 * relaunch by young accounts (strength 1) reaches 0.84, priority.
 */
export const DEFAULT_BEHAVIOUR_BOOST = 0.6;

/** Every behaviour signal of one post in its story. A post alone in its story has only account signals. */
export function behaviourSignals(view: StoryView | null, post: StoryPost, activity: AuthorActivity, params: BehaviourParams): Signal[] {
  const signals = [youngAccount(post, params), singleUseAccount(post, activity)];
  if (view && view.posts.length > 1) {
    signals.push(lowTractionRelaunch(view, post, params), coordinatedBurst(view, post, params), crossCommunitySpray(view, post, params));
  }
  return signals.filter((s): s is Signal => s !== null);
}

/**
 * Strength of the inauthentic push behind a post in [0, 1]: the amplification (the named rule's
 * signal, or the strongest) weighted by who does it — half for established accounts, all for
 * young ones; single-use accounts of unknown age count half-young.
 */
export function behaviourStrength(signals: readonly Signal[], rule?: BehaviourRule): number {
  const value = (name: SignalName) => Math.max(0, ...signals.filter((s) => s.name === name).map((s) => s.value));
  const amplification = rule ? value(rule) : Math.max(...AMPLIFICATION_SIGNALS.map(value));
  const inauthenticity = Math.max(value('young-account'), 0.5 * value('single-use-account'));
  return amplification * (0.5 + 0.5 * inauthenticity);
}

/** A content pattern's score with the story's behaviour folded in; a post that carries none of the material stays at 0. */
export function withBehaviour(score: PatternScore, behaviour: readonly Signal[], thresholds: Pattern['thresholds'], boost = DEFAULT_BEHAVIOUR_BOOST): PatternScore {
  const content = score.signals.filter((s) => !BEHAVIOUR_SIGNALS.includes(s.name));
  // A score re-evaluated later starts again from its content value.
  const base = score.contentValue ?? score.value;
  const plain = { ...score, value: base, contentValue: base, tier: tierFor(base, thresholds), signals: content };
  if (base <= 0 || behaviour.length === 0) return plain;
  const value = round(base + (1 - base) * boost * behaviourStrength(behaviour));
  return { ...plain, value, tier: tierFor(value, thresholds), signals: [...content, ...behaviour.map((s) => ({ ...s, patternId: score.patternId }))] };
}

/** The score of a `behaviour` pattern for one post, or null when its rule did not fire. */
export function behaviourPatternScore(pattern: Pattern, behaviour: readonly Signal[]): PatternScore | null {
  const rule = behaviourRuleOf(pattern);
  if (!rule || !pattern.active) return null;
  const value = round(behaviourStrength(behaviour, rule));
  if (value <= 0) return null;
  const signals = behaviour.filter((s) => s.name === rule || ACCOUNT_SIGNALS.includes(s.name)).map((s) => ({ ...s, patternId: pattern.id }));
  return { patternId: pattern.id, patternVersion: pattern.version, value, tier: tierFor(value, pattern.thresholds), signals };
}

/**
 * Every pattern's score for one post: the content patterns' scores with the behaviour folded in,
 * and the active behaviour patterns that fired. Patterns no longer active are dropped.
 */
export function scoreWithBehaviour(content: readonly PatternScore[], behaviour: readonly Signal[], patterns: readonly Pattern[]): PatternScore[] {
  const byId = new Map(patterns.map((p) => [p.id, p]));
  const scores: PatternScore[] = [];
  for (const score of content) {
    const pattern = byId.get(score.patternId);
    if (!pattern || pattern.kind === 'behaviour') continue;
    scores.push(withBehaviour(score, behaviour, pattern.thresholds));
  }
  for (const pattern of patterns) {
    if (pattern.kind !== 'behaviour') continue;
    const score = behaviourPatternScore(pattern, behaviour);
    if (score) scores.push(score);
  }
  return scores;
}

function round(value: number): number {
  return Math.round(Math.min(1, Math.max(0, value)) * 1e6) / 1e6;
}
