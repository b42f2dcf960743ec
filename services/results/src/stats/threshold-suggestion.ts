/** Decided flags at one score. */
export interface ScoreOutcome {
  score: number;
  confirmed: number;
  dismissed: number;
}

/** Confirmed and dismissed flags at or above a score, and their precision (null: none decided). */
export interface PrecisionAt {
  threshold: number;
  precision: number | null;
  confirmed: number;
  dismissed: number;
}

export interface ThresholdSuggestion {
  targetPrecision: number;
  /**
   * The lowest score at or above which the decided flags reach the target precision; null when
   * no score does (or nothing is decided).
   */
  threshold: number | null;
  /** The precision and the counts it rests on, at `threshold`. */
  precision: number | null;
  confirmed: number;
  dismissed: number;
  /** Decided flags below `threshold`: what raising the threshold to it would stop flagging. */
  below: { confirmed: number; dismissed: number };
  /** Whether enough flags are decided for the suggestion to mean much. */
  sufficient: boolean;
}

/** Fewer decided flags than this make a suggestion a guess; it is still given, marked so. */
export const MIN_DECIDED_FOR_SUGGESTION = 10;

export function precisionAtOrAbove(points: readonly ScoreOutcome[], threshold: number): PrecisionAt {
  let confirmed = 0;
  let dismissed = 0;
  for (const point of points) {
    if (point.score < threshold) continue;
    confirmed += point.confirmed;
    dismissed += point.dismissed;
  }
  return { threshold, precision: ratio(confirmed, dismissed), confirmed, dismissed };
}

/**
 * The lowest threshold that keeps reviewers' precision at `targetPrecision`, from the flags they
 * confirmed and dismissed: walking down from the highest score, the last score at which the
 * flags at or above it are still precise enough. Precision need not fall steadily as the
 * threshold falls, so every score is tried, not only the first that drops below.
 */
export function suggestThreshold(points: readonly ScoreOutcome[], targetPrecision: number): ThresholdSuggestion {
  if (!(targetPrecision > 0 && targetPrecision <= 1)) throw new RangeError(`target precision must be in (0, 1], got ${targetPrecision}`);
  const byScore = new Map<number, ScoreOutcome>();
  for (const point of points) {
    const merged = byScore.get(point.score) ?? { score: point.score, confirmed: 0, dismissed: 0 };
    merged.confirmed += point.confirmed;
    merged.dismissed += point.dismissed;
    byScore.set(point.score, merged);
  }
  const descending = [...byScore.values()].sort((a, b) => b.score - a.score);
  const total = descending.reduce((sum, p) => ({ confirmed: sum.confirmed + p.confirmed, dismissed: sum.dismissed + p.dismissed }), { confirmed: 0, dismissed: 0 });

  let confirmed = 0;
  let dismissed = 0;
  let best: { threshold: number; confirmed: number; dismissed: number } | null = null;
  for (const point of descending) {
    confirmed += point.confirmed;
    dismissed += point.dismissed;
    if (confirmed + dismissed > 0 && confirmed / (confirmed + dismissed) >= targetPrecision) best = { threshold: point.score, confirmed, dismissed };
  }
  const sufficient = total.confirmed + total.dismissed >= MIN_DECIDED_FOR_SUGGESTION;
  if (!best) {
    return { targetPrecision, threshold: null, precision: null, confirmed: 0, dismissed: 0, below: total, sufficient };
  }
  return {
    targetPrecision,
    threshold: best.threshold,
    precision: ratio(best.confirmed, best.dismissed),
    confirmed: best.confirmed,
    dismissed: best.dismissed,
    below: { confirmed: total.confirmed - best.confirmed, dismissed: total.dismissed - best.dismissed },
    sufficient,
  };
}

function ratio(confirmed: number, dismissed: number): number | null {
  return confirmed + dismissed === 0 ? null : Math.round((confirmed / (confirmed + dismissed)) * 10_000) / 10_000;
}
