import type { Pattern } from '@undertow/core';

/** Parameters of the behaviour signals; each is editable through a `behaviour` pattern's params. */
export interface BehaviourParams {
  /** Traction (score + comments + shares) at or under which a first appearance "got no traction". Default 5. */
  maxFirstTraction: number;
  /** Least time between the first appearance and a post for that post to count as a relaunch. Default 60 min. */
  relaunchGapMinutes: number;
  /** Distinct accounts inside the burst window that make a coordinated burst. Default 5. */
  burstAccounts: number;
  /** The burst window. Default 60 min. */
  burstWindowMinutes: number;
  /** Distinct communities that make a spray. Default 4. */
  sprayCommunities: number;
  /** At most this many accounts behind a spray. Default 3. */
  sprayMaxAccounts: number;
  /** Accounts at most this old at posting time are young. Default 7 days. */
  youngAccountDays: number;
  /** Accounts at least this old are established (signal 0); linear in between. Default 90 days. */
  matureAccountDays: number;
}

export const DEFAULT_BEHAVIOUR_PARAMS: Readonly<BehaviourParams> = Object.freeze({
  maxFirstTraction: 5,
  relaunchGapMinutes: 60,
  burstAccounts: 5,
  burstWindowMinutes: 60,
  sprayCommunities: 4,
  sprayMaxAccounts: 3,
  youngAccountDays: 7,
  matureAccountDays: 90,
});

/** The behaviour rules a `behaviour` pattern can name in `params.rule`. */
export const BEHAVIOUR_RULES = ['low-traction-relaunch', 'coordinated-burst', 'cross-community-spray'] as const;
export type BehaviourRule = (typeof BEHAVIOUR_RULES)[number];

/**
 * The parameters in force: the defaults overridden by the numeric params of the active
 * behaviour patterns (later patterns win on a clash).
 */
export function behaviourParams(patterns: readonly Pick<Pattern, 'kind' | 'active' | 'params'>[]): BehaviourParams {
  const params: BehaviourParams = { ...DEFAULT_BEHAVIOUR_PARAMS };
  for (const pattern of patterns) {
    if (pattern.kind !== 'behaviour' || !pattern.active) continue;
    for (const key of Object.keys(DEFAULT_BEHAVIOUR_PARAMS) as (keyof BehaviourParams)[]) {
      const value = pattern.params[key];
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) params[key] = value;
    }
  }
  return params;
}

export function behaviourRuleOf(pattern: Pick<Pattern, 'params'>): BehaviourRule | null {
  const rule = pattern.params['rule'];
  return typeof rule === 'string' && (BEHAVIOUR_RULES as readonly string[]).includes(rule) ? (rule as BehaviourRule) : null;
}
