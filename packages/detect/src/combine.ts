import { tierFor, type Signal, type SignalName, type Thresholds, type Tier } from '@undertow/core';

/** The signals that say a post carries a pattern's material. */
export const CONTENT_SIGNALS: readonly SignalName[] = ['semantic-match', 'near-duplicate', 'url-match'];

export interface CombineOptions {
  /**
   * Added to the strongest signal for each further kind of signal that agrees with it. Default
   * 0.1: a post whose text is a paraphrase (semantic 0.6) and whose link is the leaked file
   * (url 1) is surer than either alone, but agreement must not turn two weak signals into a
   * flag, which `agreementFloor` prevents.
   */
  agreementBoost?: number;
  /** Value a signal must reach to count as agreeing. Default 0.5 (the default review threshold). */
  agreementFloor?: number;
}

export const DEFAULT_COMBINE_OPTIONS: Readonly<Required<CombineOptions>> = Object.freeze({ agreementBoost: 0.1, agreementFloor: 0.5 });

/**
 * A pattern's value from its content signals: the strongest, plus `agreementBoost` for each
 * other kind of signal at or above `agreementFloor` when the strongest is too, clamped to
 * [0, 1]; and the tier that value reaches under the pattern's thresholds. Several signals of
 * one kind (two passages) count once. Signals of other kinds are ignored.
 */
export function combineSignals(signals: readonly Signal[], thresholds: Thresholds, options: CombineOptions = {}): { value: number; tier: Tier } {
  const boost = options.agreementBoost ?? DEFAULT_COMBINE_OPTIONS.agreementBoost;
  const floor = options.agreementFloor ?? DEFAULT_COMBINE_OPTIONS.agreementFloor;
  const best = new Map<SignalName, number>();
  for (const signal of signals) {
    if (!CONTENT_SIGNALS.includes(signal.name)) continue;
    const value = Number.isFinite(signal.value) ? Math.min(1, Math.max(0, signal.value)) : 0;
    best.set(signal.name, Math.max(best.get(signal.name) ?? 0, value));
  }
  let max = 0;
  let agreeing = 0;
  for (const value of best.values()) {
    max = Math.max(max, value);
    if (value >= floor) agreeing++;
  }
  // Rounded so that float error cannot keep 0.7 + 0.1 under a 0.8 threshold.
  const value = Math.round(Math.min(1, max + (agreeing > 1 ? boost * (agreeing - 1) : 0)) * 1e6) / 1e6;
  return { value, tier: tierFor(value, thresholds) };
}
