/** The shapes the console reads from the results API. */

export type Role = 'submitter' | 'reviewer' | 'admin';
export type FlagStatus = 'open' | 'in_review' | 'confirmed' | 'dismissed' | 'escalated';
export type Decision = 'confirm' | 'dismiss' | 'escalate';
export type Tier = 'review' | 'priority';

export interface Me {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  rateLimitPerMinute: number;
}

export interface Span {
  start: number;
  end: number;
}

export interface Signal {
  name: string;
  value: number;
  scorer: { name: string; version: string };
  model?: string;
  patternId?: string;
  passageId?: string;
  detail?: Record<string, unknown>;
}

export interface PassageMatch {
  passageId: string;
  passageIndex: number;
  passageText: string;
  postSpans: Span[];
  passageSpans: Span[];
}

export interface FlagRecord {
  id: string;
  postId: string;
  patternId: string;
  patternVersion: number;
  storyId: string | null;
  tier: Tier;
  score: number;
  status: FlagStatus;
  signals: Signal[];
  match: PassageMatch | null;
  createdAt: string;
  updatedAt: string;
  claimedBy: string | null;
  claimExpiresAt: string | null;
  assignedTo: string | null;
}

export interface FlagListItem extends FlagRecord {
  post: { source: string; externalId: string; community: string | null; text: string; createdAt: string };
}

export interface FlagPage {
  items: FlagListItem[];
  nextCursor: string | null;
}

export interface FlagDetail extends FlagRecord {
  post: {
    id: string;
    source: string;
    externalId: string;
    authorId: string;
    community: string | null;
    title: string | null;
    text: string;
    urls: string[];
    lang: string | null;
    createdAt: string;
  } | null;
  pattern: { id: string; name: string; kind: string; version: number; tags: string[] } | null;
}

export interface FlagEvent {
  id: string;
  flagId: string;
  type: 'opened' | 'rescored' | 'claimed' | 'released' | 'decided' | 'noted' | 'assigned';
  actor: string;
  at: string;
  fromStatus: FlagStatus | null;
  toStatus: FlagStatus | null;
  note: string | null;
  data: Record<string, unknown>;
  patternId?: string;
  storyId?: string | null;
}

export interface Engagement {
  score?: number;
  comments?: number;
  shares?: number;
  views?: number;
  observedAt: string;
}

export interface TimelineEntry {
  postId: string;
  source: string;
  externalId: string;
  authorId: string;
  authorHandle: string | null;
  authorCreatedAt: string | null;
  accountAgeDays: number | null;
  community: string | null;
  createdAt: string;
  engagement: Engagement | null;
  flagIds: string[];
  via: string;
}

export interface Story {
  id: string;
  firstPostId: string | null;
  firstSeenAt: string;
  postCount: number;
  authorCount: number;
  communityCount: number;
  signals: Signal[];
  timeline: TimelineEntry[];
}

export interface PatternSummary {
  id: string;
  name: string;
  kind: string;
  version: number;
  thresholds: { review: number; priority: number };
  active: boolean;
}

export interface BulkResult {
  dryRun: boolean;
  matched: number;
  decided: string[];
  skipped: { id: string; claimedBy: string; claimExpiresAt: string }[];
  remaining: number;
}

export interface PrecisionAt {
  threshold: number;
  precision: number | null;
  confirmed: number;
  dismissed: number;
}

export interface DecisionTimes {
  patternId: string | null;
  decisions: number;
  byDecision: Record<Decision, number>;
  claimed: number;
  handlingSeconds: { median: number | null; p90: number | null };
  timeToDecisionSeconds: { median: number | null; p90: number | null };
}

export interface PatternStats {
  patternId: string;
  name: string;
  kind: string;
  active: boolean;
  deleted: boolean;
  thresholds: { review: number; priority: number };
  flags: { total: number; byStatus: Record<FlagStatus, number> };
  decisions: DecisionTimes;
  precision: { value: number | null; confirmed: number; dismissed: number };
  atReviewThreshold: PrecisionAt;
  tooLoose: boolean | null;
  suggestion: {
    targetPrecision: number;
    threshold: number | null;
    precision: number | null;
    confirmed: number;
    dismissed: number;
    below: { confirmed: number; dismissed: number };
    sufficient: boolean;
  };
}

export interface Stats {
  generatedAt: string;
  targetPrecision: number;
  queue: {
    byStatus: Record<FlagStatus, number>;
    pendingByTier: Record<Tier, number>;
    claimed: number;
    oldestOpenAt: string | null;
  };
  decisions: DecisionTimes;
  patterns: PatternStats[];
}
