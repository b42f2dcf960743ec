import { Type, type Static } from '@sinclair/typebox';
import './formats.js';

export const RESCAN_STATES = ['queued', 'running', 'completed', 'cancelled', 'failed'] as const;
export type RescanState = (typeof RESCAN_STATES)[number];

/** Most patterns one rescan names. */
export const MAX_RESCAN_PATTERNS = 1000;

const DateTime = Type.String({ format: 'date-time', maxLength: 64 });

/** A rescan as clients ask for one. */
export const RescanInput = Type.Object(
  {
    /** Patterns to re-score against. Default: every active, indexed content pattern. */
    patternIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: MAX_RESCAN_PATTERNS })),
    /** Inclusive lower bound on the posts' own `createdAt`. Default: the oldest post. */
    from: Type.Optional(DateTime),
    /** Exclusive upper bound on the posts' own `createdAt`. Default: the newest post. */
    to: Type.Optional(DateTime),
    /** Why the rescan runs, for whoever reads the log later. */
    reason: Type.String({ minLength: 1, maxLength: 500 }),
  },
  { additionalProperties: false },
);
export type RescanInput = Static<typeof RescanInput>;

/** A pattern as a rescan scores against it: the version pinned when the rescan was created. */
export interface RescanPattern {
  id: string;
  version: number;
}

/** A rescan and its progress. Counts are of posts, except `newlyFlagged` and `noLongerFlagged`, which count (post, pattern) pairs. */
export interface Rescan {
  id: string;
  state: RescanState;
  patterns: RescanPattern[];
  from: string | null;
  to: string | null;
  reason: string;
  createdBy: string;
  /** Posts in the range. */
  total: number;
  /** Posts checked so far; equals `total` once the rescan completes. */
  done: number;
  /** (post, pattern) pairs that reached a tier they had not reached before. */
  newlyFlagged: number;
  /** (post, pattern) pairs that had reached a tier and no longer do; their flags stay, with an event. */
  noLongerFlagged: number;
  /** Posts whose stored score changed. */
  rescored: number;
  chunks: { total: number; done: number };
  /** Posts checked per second since the first chunk started; null before. */
  rate: number | null;
  /** Seconds left at `rate`; 0 once finished, null while unknown. */
  etaSeconds: number | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
