import { FLAG_STATUSES, type Decision, type FlagStatus, type PatternKind, type Thresholds } from '@undertow/core';
import { isoOrNull } from '../codec.js';
import type { Database } from '../database.js';

export type StatusCounts = Record<FlagStatus, number>;

export interface QueueCounts {
  byStatus: StatusCounts;
  /** Flags waiting for a decision (`open` or `in_review`) by tier. */
  pendingByTier: { review: number; priority: number };
  /** Flags under a live claim. */
  claimed: number;
  /** When the oldest open flag was raised. */
  oldestOpenAt: string | null;
}

export interface PatternFlagCounts {
  patternId: string;
  name: string;
  kind: PatternKind;
  thresholds: Thresholds;
  active: boolean;
  deleted: boolean;
  byStatus: StatusCounts;
}

/** Decided flags of one pattern at one score, the raw material of a threshold suggestion. */
export interface DecidedAtScore {
  patternId: string;
  score: number;
  confirmed: number;
  dismissed: number;
}

export interface DecisionTimes {
  /** Null for the figures over all patterns. */
  patternId: string | null;
  decisions: number;
  byDecision: Record<Decision, number>;
  /** Decisions made under the decider's own claim, which handling time is measured on. */
  claimed: number;
  /** Seconds from the claim to the decision. */
  handlingSeconds: { median: number | null; p90: number | null };
  /** Seconds from the flag being raised to the decision. */
  timeToDecisionSeconds: { median: number | null; p90: number | null };
}

export interface DecisionWindow {
  /** Inclusive lower bound on the decision time. */
  from?: string;
  /** Exclusive upper bound on the decision time. */
  to?: string;
}

interface DecisionRow {
  pattern_id: string | null;
  decisions: string;
  confirm: string;
  dismiss: string;
  escalate: string;
  claimed: string;
  handling_p50: number | null;
  handling_p90: number | null;
  open_p50: number | null;
  open_p90: number | null;
}

/** The figures behind `GET /v1/stats`: queue sizes, outcomes per pattern, handling times. */
export class ReviewStatsRepository {
  constructor(private readonly db: Database) {}

  async queue(): Promise<QueueCounts> {
    const rows = await this.db.query<{ status: FlagStatus; tier: 'review' | 'priority'; n: string; claimed: string; oldest: Date | null }>(
      `SELECT status, tier, count(*) AS n,
         count(*) FILTER (WHERE claimed_by IS NOT NULL AND claim_expires_at > now()) AS claimed,
         min(created_at) FILTER (WHERE status = 'open') AS oldest
       FROM flags GROUP BY status, tier`,
    );
    const counts: QueueCounts = { byStatus: emptyStatusCounts(), pendingByTier: { review: 0, priority: 0 }, claimed: 0, oldestOpenAt: null };
    let oldest: Date | null = null;
    for (const row of rows) {
      const n = Number(row.n);
      counts.byStatus[row.status] += n;
      if (row.status === 'open' || row.status === 'in_review') counts.pendingByTier[row.tier] += n;
      counts.claimed += Number(row.claimed);
      if (row.oldest && (!oldest || row.oldest < oldest)) oldest = row.oldest;
    }
    counts.oldestOpenAt = isoOrNull(oldest);
    return counts;
  }

  /** Every live pattern, and deleted ones that have flags, with their flags counted by status. */
  async patterns(): Promise<PatternFlagCounts[]> {
    const rows = await this.db.query<{
      id: string;
      name: string;
      kind: PatternKind;
      thresholds: Thresholds;
      active: boolean;
      deleted: boolean;
      status: FlagStatus | null;
      n: string;
    }>(
      `SELECT pa.id, pa.name, pa.kind, pa.thresholds, pa.active, pa.deleted_at IS NOT NULL AS deleted, f.status, count(f.id) AS n
       FROM patterns pa LEFT JOIN flags f ON f.pattern_id = pa.id
       WHERE pa.deleted_at IS NULL OR f.id IS NOT NULL
       GROUP BY pa.id, f.status
       ORDER BY pa.created_at, pa.id`,
    );
    const byId = new Map<string, PatternFlagCounts>();
    for (const row of rows) {
      let pattern = byId.get(row.id);
      if (!pattern) {
        pattern = { patternId: row.id, name: row.name, kind: row.kind, thresholds: row.thresholds, active: row.active, deleted: row.deleted, byStatus: emptyStatusCounts() };
        byId.set(row.id, pattern);
      }
      if (row.status) pattern.byStatus[row.status] += Number(row.n);
    }
    return [...byId.values()];
  }

  /** Confirmed and dismissed flags counted per pattern and score, highest score first. */
  async decidedScores(): Promise<DecidedAtScore[]> {
    const rows = await this.db.query<{ pattern_id: string; score: number; confirmed: string; dismissed: string }>(
      `SELECT pattern_id, score,
         count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
         count(*) FILTER (WHERE status = 'dismissed') AS dismissed
       FROM flags WHERE status IN ('confirmed', 'dismissed')
       GROUP BY pattern_id, score
       ORDER BY pattern_id, score DESC`,
    );
    return rows.map((row) => ({ patternId: row.pattern_id, score: row.score, confirmed: Number(row.confirmed), dismissed: Number(row.dismissed) }));
  }

  /**
   * Decisions made in a window, per pattern and over all (the entry with `patternId` null),
   * with handling times. A decision's handling time runs from the decider's own claim (the
   * first, not a renewal) to the decision; decisions made without a claim have none.
   */
  async decisions(window: DecisionWindow = {}): Promise<DecisionTimes[]> {
    const params: unknown[] = [];
    const conditions = [`d.type = 'decided'`];
    if (window.from !== undefined) conditions.push(`d.at >= $${params.push(window.from)}::timestamptz`);
    if (window.to !== undefined) conditions.push(`d.at < $${params.push(window.to)}::timestamptz`);
    const rows = await this.db.query<DecisionRow>(
      `WITH decided AS (
         SELECT d.id, d.flag_id, d.actor, d.at, d.data->>'decision' AS decision, f.pattern_id
         FROM flag_events d JOIN flags f ON f.id = d.flag_id
         WHERE ${conditions.join(' AND ')}
       ),
       timed AS (
         SELECT decided.pattern_id, decided.decision,
           extract(epoch FROM decided.at - o.at)::double precision AS since_opened,
           extract(epoch FROM decided.at - c.at)::double precision AS since_claimed
         FROM decided
         LEFT JOIN LATERAL (
           SELECT o.at FROM flag_events o WHERE o.flag_id = decided.flag_id AND o.type = 'opened' ORDER BY o.id LIMIT 1
         ) o ON true
         LEFT JOIN LATERAL (
           SELECT c.at FROM flag_events c
           WHERE c.flag_id = decided.flag_id AND c.type = 'claimed' AND c.actor = decided.actor AND c.id < decided.id
             AND c.data->>'renewed' IS NULL
           ORDER BY c.id DESC LIMIT 1
         ) c ON true
       )
       SELECT pattern_id, count(*) AS decisions,
         count(*) FILTER (WHERE decision = 'confirm') AS confirm,
         count(*) FILTER (WHERE decision = 'dismiss') AS dismiss,
         count(*) FILTER (WHERE decision = 'escalate') AS escalate,
         count(since_claimed) AS claimed,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY since_claimed) AS handling_p50,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY since_claimed) AS handling_p90,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY since_opened) AS open_p50,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY since_opened) AS open_p90
       FROM timed
       GROUP BY GROUPING SETS ((pattern_id), ())`,
      params,
    );
    const all = rows.find((row) => row.pattern_id === null);
    const result = rows.filter((row) => row.pattern_id !== null).map(toDecisionTimes);
    // Over no decisions at all, the grand total is still one row, of zeros.
    result.push(all ? toDecisionTimes(all) : toDecisionTimes({ pattern_id: null, decisions: '0', confirm: '0', dismiss: '0', escalate: '0', claimed: '0', handling_p50: null, handling_p90: null, open_p50: null, open_p90: null }));
    return result;
  }
}

function emptyStatusCounts(): StatusCounts {
  return Object.fromEntries(FLAG_STATUSES.map((status) => [status, 0])) as StatusCounts;
}

function toDecisionTimes(row: DecisionRow): DecisionTimes {
  const seconds = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);
  return {
    patternId: row.pattern_id,
    decisions: Number(row.decisions),
    byDecision: { confirm: Number(row.confirm), dismiss: Number(row.dismiss), escalate: Number(row.escalate) },
    claimed: Number(row.claimed),
    handlingSeconds: { median: seconds(row.handling_p50), p90: seconds(row.handling_p90) },
    timeToDecisionSeconds: { median: seconds(row.open_p50), p90: seconds(row.open_p90) },
  };
}
