import type { Signal } from './signal.js';

export const TIERS = ['none', 'review', 'priority'] as const;
export type Tier = (typeof TIERS)[number];

/** Character span `[start, end)` within a text. */
export interface Span {
  start: number;
  end: number;
}

/** Where a post's text meets a passage: the evidence a reviewer checks. */
export interface PassageMatch {
  passageId: string;
  passageIndex: number;
  passageText: string;
  /** Spans of the post text shared with the passage. */
  postSpans: Span[];
  /** Spans of the passage text shared with the post. */
  passageSpans: Span[];
}

export interface PatternScore {
  patternId: string;
  patternVersion: number;
  value: number;
  /** The value from content signals alone, before the story's behaviour lifted it. */
  contentValue?: number;
  tier: Tier;
  signals: Signal[];
  match?: PassageMatch;
}

/** Everything that produced a score, so a rescan knows what changed. */
export interface ScoreVersions {
  model: string;
  scorer: string;
  patterns: Record<string, number>;
}

export interface Score {
  postId: string;
  value: number;
  tier: Tier;
  patterns: PatternScore[];
  versions: ScoreVersions;
  scoredAt: string;
}

export function tierFor(value: number, thresholds: { review: number; priority: number }): Tier {
  if (value >= thresholds.priority) return 'priority';
  if (value >= thresholds.review) return 'review';
  return 'none';
}

export function tierRank(tier: Tier): number {
  return tier === 'priority' ? 2 : tier === 'review' ? 1 : 0;
}
