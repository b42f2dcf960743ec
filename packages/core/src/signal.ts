/** Names of the signals scorers produce. */
export type SignalName =
  | 'semantic-match'
  | 'near-duplicate'
  | 'url-match'
  | 'low-traction-relaunch'
  | 'coordinated-burst'
  | 'cross-community-spray'
  | 'young-account'
  | 'single-use-account';

/** One piece of evidence with a value in [0, 1] and what produced it. */
export interface Signal {
  name: SignalName;
  value: number;
  scorer: { name: string; version: string };
  /** Embedding model id for semantic signals; `none` when no model is loaded. */
  model?: string;
  patternId?: string;
  passageId?: string;
  /** Scorer-specific evidence: similarity figures, matched spans, timeline facts. */
  detail?: Record<string, unknown>;
}
