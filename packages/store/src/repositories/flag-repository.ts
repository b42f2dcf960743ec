import {
  ConflictError,
  DECISION_STATUS,
  InvalidInputError,
  NotFoundError,
  type DecisionInput,
  type Flag,
  type FlagEvent,
  type FlagEventType,
  type FlagStatus,
  type PassageMatch,
  type Signal,
  type Tier,
} from '@undertow/core';
import { lastByKey } from '../batch.js';
import { isId, isoOrNull, isoString } from '../codec.js';
import type { Database, Queryable } from '../database.js';

export type FlagTier = Exclude<Tier, 'none'>;

/** One (post, pattern) pair that reached a tier. */
export interface FlagScore {
  postId: string;
  patternId: string;
  patternVersion: number;
  tier: FlagTier;
  score: number;
  signals: Signal[];
  match: PassageMatch | null;
  storyId?: string | null;
}

export interface AppliedFlag {
  flagId: string;
  postId: string;
  patternId: string;
  /** True when this call raised the flag. */
  created: boolean;
  /** True when an existing flag's tier, score or pattern version changed. */
  rescored: boolean;
}

/** A flag with its review state. */
export interface FlagRecord extends Flag {
  claimedBy: string | null;
  claimExpiresAt: string | null;
  assignedTo: string | null;
}

/** What a reviewer sees of the flagged post in the queue. */
export interface FlagListPost {
  source: string;
  externalId: string;
  community: string | null;
  text: string;
  createdAt: string;
}

export interface FlagListItem extends FlagRecord {
  post: FlagListPost;
}

export interface FlagFilter {
  status?: FlagStatus | readonly FlagStatus[];
  patternId?: string;
  tier?: FlagTier;
  minScore?: number;
  /** The post's platform. */
  source?: string;
  /** The post's community. */
  community?: string;
  /** Inclusive lower bound on the post's `createdAt`. */
  from?: string;
  /** Exclusive upper bound on the post's `createdAt`. */
  to?: string;
  /** Flags of one story. */
  storyId?: string;
  /** Flags assigned to this reviewer. */
  assignedTo?: string;
  /** Flags whose claim this reviewer holds (expired or not). */
  claimedBy?: string;
  /** Only these flags (a reviewer's selection). */
  ids?: readonly string[];
}

/**
 * `score`: highest score first. `time`: newest post first, by the post's own `createdAt`, so an
 * archive replayed in any order lists the same way. Ties go to the higher flag id.
 */
export type FlagSort = 'score' | 'time';

export interface FlagPage {
  items: FlagListItem[];
  /** Pass back to `list` with the same filter and sort for the next page; null on the last. */
  nextCursor: string | null;
}

export const MAX_FLAG_PAGE = 1000;

export interface BulkDecisionOptions {
  /** At most this many flags are decided in one call (1…MAX_FLAG_PAGE). */
  limit: number;
  /** Answer what would be decided, change nothing. */
  dryRun?: boolean;
  /** Decide flags other reviewers hold too (admins). */
  override?: boolean;
}

/** A flag a bulk decision left alone because another reviewer holds it. */
export interface BulkSkip {
  id: string;
  claimedBy: string;
  claimExpiresAt: string;
}

export interface BulkDecisionResult {
  dryRun: boolean;
  /** Flags the filter selects, before the limit. */
  matched: number;
  /** Ids decided (or, on a dry run, that would be). */
  decided: string[];
  skipped: BulkSkip[];
  /** Selected flags past the limit, for another call. */
  remaining: number;
}

export interface EventQuery {
  flagId?: string;
  actor?: string;
  types?: readonly FlagEventType[];
  /** An event id: answer older events only (the previous page's `nextCursor`). */
  before?: string;
  limit: number;
}

/** An event with what it is about, for the history across flags. */
export interface EventListItem extends FlagEvent {
  patternId: string;
  storyId: string | null;
}

export interface EventPage {
  items: EventListItem[];
  nextCursor: string | null;
}

interface FlagRow {
  id: string;
  post_id: string;
  pattern_id: string;
  pattern_version: number;
  story_id: string | null;
  tier: FlagTier;
  score: number;
  status: FlagStatus;
  signals: Signal[];
  match: PassageMatch | null;
  claimed_by: string | null;
  claim_expires_at: Date | null;
  assigned_to: string | null;
  created_at: Date;
  updated_at: Date;
}

interface FlagListRow extends FlagRow {
  post_source: string;
  post_external_id: string;
  post_community: string | null;
  post_text: string;
  post_created_at: Date;
  /** The post's createdAt to the microsecond, for the cursor: a Date would round it to ms. */
  post_created_key: string;
}

interface EventRow {
  id: string;
  flag_id: string;
  type: FlagEventType;
  actor: string;
  at: Date;
  from_status: FlagStatus | null;
  to_status: FlagStatus | null;
  note: string | null;
  data: Record<string, unknown>;
}

const FLAG_COLUMNS = `f.id, f.post_id, f.pattern_id, f.pattern_version, f.story_id, f.tier, f.score, f.status, f.signals,
  f.match, f.claimed_by, f.claim_expires_at, f.assigned_to, f.created_at, f.updated_at`;

const SCORE_INPUT = `
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
    post_id bigint, pattern_id text, pattern_version int, story_id bigint, tier text, score real, signals jsonb, match jsonb
  )`;

// Raises the flags not raised yet, each with its 'opened' event.
const OPEN_FLAGS = `
WITH input AS (${SCORE_INPUT}),
opened AS (
  INSERT INTO flags (post_id, pattern_id, pattern_version, story_id, tier, score, signals, match)
  SELECT post_id, pattern_id, pattern_version, story_id, tier, score, signals, match
  FROM input ORDER BY post_id, pattern_id
  ON CONFLICT (post_id, pattern_id) DO NOTHING
  RETURNING id, tier, score, pattern_version
)
INSERT INTO flag_events (flag_id, type, actor, to_status, data)
SELECT id, 'opened', $2::text, 'open', jsonb_build_object('tier', tier, 'score', score, 'patternVersion', pattern_version)
FROM opened ORDER BY id
RETURNING flag_id`;

// A later statement than OPEN_FLAGS, so it sees the flags that one raised (unchanged, hence not
// rescored) and any another writer committed meanwhile. It answers every input's flag.
/** The distinct signal names of a jsonb array of signals, sorted. */
const SIGNAL_NAMES = (column: string) => `(SELECT array_agg(DISTINCT e->>'name' ORDER BY e->>'name') FROM jsonb_array_elements(${column}) e)`;

const RESCORE_FLAGS = `
WITH input AS (${SCORE_INPUT}),
changed AS (
  SELECT f.id, f.tier AS old_tier, f.score AS old_score, f.pattern_version AS old_version,
         i.tier, i.score, i.pattern_version, i.signals, i.match, i.story_id,
         ${SIGNAL_NAMES('f.signals')} AS old_signal_names, ${SIGNAL_NAMES('i.signals')} AS signal_names
  FROM flags f JOIN input i ON f.post_id = i.post_id AND f.pattern_id = i.pattern_id
  -- New kinds of evidence (a relaunch seen once the first appearance's traction is known) count
  -- as a change even when the score stays where it was.
  WHERE f.tier <> i.tier OR f.score <> i.score OR f.pattern_version <> i.pattern_version
     OR ${SIGNAL_NAMES('f.signals')} IS DISTINCT FROM ${SIGNAL_NAMES('i.signals')}
  ORDER BY f.id
  FOR UPDATE OF f
),
updated AS (
  UPDATE flags f SET tier = c.tier, score = c.score, pattern_version = c.pattern_version, signals = c.signals,
    match = c.match, story_id = coalesce(c.story_id, f.story_id), updated_at = now()
  FROM changed c WHERE f.id = c.id
  RETURNING f.id
),
events AS (
  INSERT INTO flag_events (flag_id, type, actor, data)
  SELECT id, 'rescored', $2::text, jsonb_build_object(
    'fromTier', old_tier, 'toTier', tier, 'fromScore', old_score, 'toScore', score,
    'fromVersion', old_version, 'toVersion', pattern_version,
    'fromSignals', old_signal_names, 'toSignals', signal_names)
  FROM changed ORDER BY id
)
SELECT f.id, f.post_id, f.pattern_id, (c.id IS NOT NULL) AS rescored
FROM flags f JOIN input i ON f.post_id = i.post_id AND f.pattern_id = i.pattern_id
LEFT JOIN changed c ON c.id = f.id`;

export class FlagRepository {
  constructor(private readonly db: Database) {}

  /**
   * Records scores that reached a tier, in one transaction of two statements: a (post,
   * pattern) pair without a flag gets one, with an `opened` event; a flag whose tier, score or
   * pattern version changed is updated, with a `rescored` event. Applying the same scores
   * again changes nothing. Answers one entry per distinct (post, pattern), in input order.
   *
   * @param opts.actor who the events name. Default `system` (live scoring); a rescan names itself.
   */
  async applyScores(items: readonly FlagScore[], opts: { actor?: string } = {}): Promise<AppliedFlag[]> {
    const actor = opts.actor ?? 'system';
    const batch = lastByKey(items, (i) => `${i.postId}\u0000${i.patternId}`);
    if (batch.length === 0) return [];
    for (const item of batch) {
      if (!isId(item.postId)) throw new InvalidInputError(`invalid post id ${JSON.stringify(item.postId)}`);
    }
    const input = JSON.stringify(
      batch.map((i) => ({
        post_id: i.postId,
        pattern_id: i.patternId,
        pattern_version: i.patternVersion,
        story_id: i.storyId ?? null,
        tier: i.tier,
        score: i.score,
        signals: i.signals,
        // Left out rather than null: a JSON null would be stored as the jsonb value `null`.
        ...(i.match ? { match: i.match } : {}),
      })),
    );
    return this.db.transaction(async (tx) => {
      const opened = new Set((await tx.query<{ flag_id: string }>(OPEN_FLAGS, [input, actor])).map((r) => r.flag_id));
      const rows = await tx.query<{ id: string; post_id: string; pattern_id: string; rescored: boolean }>(RESCORE_FLAGS, [input, actor]);
      const byPair = new Map(rows.map((r) => [`${r.post_id}\u0000${r.pattern_id}`, r]));
      return batch.map((item) => {
        const row = byPair.get(`${item.postId}\u0000${item.patternId}`);
        if (!row) throw new Error(`flag for post ${item.postId} and pattern ${item.patternId} was neither raised nor found`);
        return {
          flagId: row.id,
          postId: item.postId,
          patternId: item.patternId,
          created: opened.has(row.id),
          rescored: row.rescored,
        };
      });
    });
  }

  async get(id: string): Promise<FlagRecord | null> {
    if (!isId(id)) return null;
    const rows = await this.db.query<FlagRow>(`SELECT ${FLAG_COLUMNS} FROM flags f WHERE f.id = $1`, [id]);
    return rows[0] ? toFlag(rows[0]) : null;
  }

  /** The flags raised on one post, one per pattern, oldest first. */
  async getForPost(postId: string): Promise<FlagRecord[]> {
    if (!isId(postId)) return [];
    const rows = await this.db.query<FlagRow>(`SELECT ${FLAG_COLUMNS} FROM flags f WHERE f.post_id = $1 ORDER BY f.id`, [postId]);
    return rows.map(toFlag);
  }

  async countByPost(postId: string): Promise<number> {
    if (!isId(postId)) return 0;
    const [row] = await this.db.query<{ count: string }>(`SELECT count(*) AS count FROM flags WHERE post_id = $1`, [postId]);
    return Number(row?.count ?? 0);
  }

  /**
   * One page of the queue, with keyset pagination: a page does not shift when flags are raised
   * or rescored on pages already read.
   *
   * @throws InvalidInputError for a malformed cursor, a cursor of another sort, or a limit
   *   outside 1…MAX_FLAG_PAGE.
   */
  async list(filter: FlagFilter, sort: FlagSort, cursor: string | undefined, limit: number): Promise<FlagPage> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_FLAG_PAGE) {
      throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_FLAG_PAGE}`);
    }
    const params: unknown[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    const conditions = filterConditions(filter, param);
    if (cursor !== undefined) {
      const after = decodeCursor(cursor, sort);
      conditions.push(
        sort === 'score'
          ? `(f.score, f.id) < (${param(after.key)}::real, ${param(after.id)}::bigint)`
          : `(p.created_at, f.id) < (${param(after.key)}::timestamptz, ${param(after.id)}::bigint)`,
      );
    }
    const order = sort === 'score' ? 'f.score DESC, f.id DESC' : 'p.created_at DESC, f.id DESC';
    const rows = await this.db.query<FlagListRow>(
      `SELECT ${FLAG_COLUMNS}, p.source AS post_source, p.external_id AS post_external_id, p.community AS post_community,
         p.text AS post_text, p.created_at AS post_created_at,
         to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS post_created_key
       FROM flags f JOIN posts p ON p.id = f.post_id
       ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY ${order}
       LIMIT ${param(limit + 1)}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => ({
        ...toFlag(row),
        post: {
          source: row.post_source,
          externalId: row.post_external_id,
          community: row.post_community,
          text: row.post_text,
          createdAt: isoString(row.post_created_at),
        },
      })),
      nextCursor:
        rows.length > limit && last
          ? encodeCursor({ sort, key: sort === 'score' ? last.score : last.post_created_key, id: last.id })
          : null,
    };
  }

  /**
   * Records a reviewer's decision: the new status and a `decided` event, in one transaction.
   * A claim on the flag ends with it.
   *
   * @throws NotFoundError when there is no such flag.
   */
  async decide(id: string, input: DecisionInput, actor: string): Promise<FlagRecord> {
    const toStatus = Object.hasOwn(DECISION_STATUS, input.decision) ? DECISION_STATUS[input.decision] : undefined;
    if (!toStatus) throw new InvalidInputError(`unknown decision ${JSON.stringify(input.decision)}`);
    if (!isId(id)) throw new NotFoundError('flag', id);
    return this.db.transaction(async (tx) => {
      const [current] = await tx.query<{ status: FlagStatus }>(`SELECT status FROM flags WHERE id = $1 FOR UPDATE`, [id]);
      if (!current) throw new NotFoundError('flag', id);
      const [row] = await tx.query<FlagRow>(
        `UPDATE flags f SET status = $2, claimed_by = NULL, claim_expires_at = NULL, updated_at = now()
         WHERE f.id = $1 RETURNING ${FLAG_COLUMNS}`,
        [id, toStatus],
      );
      await tx.query(
        `INSERT INTO flag_events (flag_id, type, actor, from_status, to_status, note, data)
         VALUES ($1, 'decided', $2, $3, $4, $5, $6::jsonb)`,
        [id, actor, current.status, toStatus, input.note ?? null, JSON.stringify({ decision: input.decision })],
      );
      return toFlag(row!);
    });
  }

  /** A flag's audit log, oldest first. */
  async events(flagId: string): Promise<FlagEvent[]> {
    if (!isId(flagId)) return [];
    const rows = await this.db.query<EventRow>(
      `SELECT id, flag_id, type, actor, at, from_status, to_status, note, data FROM flag_events WHERE flag_id = $1 ORDER BY id`,
      [flagId],
    );
    return rows.map((row) => ({
      id: row.id,
      flagId: row.flag_id,
      type: row.type,
      actor: row.actor,
      at: isoString(row.at),
      fromStatus: row.from_status,
      toStatus: row.to_status,
      note: row.note,
      data: row.data,
    }));
  }

  /**
   * Claims a flag for `actor` for `ttlSeconds`: an open flag goes `in_review`, and claiming a
   * flag one already holds renews the claim. Two reviewers never hold one flag: the row is
   * locked while the claim is checked and written, so of two claims at once the second waits
   * and then finds the flag taken. A claim that ran out may be taken by anyone.
   *
   * @param opts.override take over a claim another reviewer holds (admins).
   * @throws NotFoundError when there is no such flag.
   * @throws ConflictError when another reviewer holds a live claim, or the flag is already
   *   confirmed or dismissed.
   */
  async claim(id: string, actor: string, ttlSeconds: number, opts: { override?: boolean } = {}): Promise<FlagRecord> {
    if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new InvalidInputError('a claim needs a positive duration');
    if (!isId(id)) throw new NotFoundError('flag', id);
    return this.db.transaction(async (tx) => {
      const current = await lockForReview(tx, id);
      if (current.status === 'confirmed' || current.status === 'dismissed') {
        throw new ConflictError(`flag ${id} is already ${current.status}`, { status: current.status });
      }
      const heldByOther = current.live && current.claimed_by !== actor;
      if (heldByOther && !opts.override) throw claimConflict(id, current);
      const [row] = await tx.query<FlagRow>(
        `UPDATE flags f SET claimed_by = $2, claim_expires_at = now() + make_interval(secs => $3::double precision),
           status = CASE WHEN f.status = 'open' THEN 'in_review' ELSE f.status END, updated_at = now()
         WHERE f.id = $1 RETURNING ${FLAG_COLUMNS}`,
        [id, actor, ttlSeconds],
      );
      const flag = toFlag(row!);
      const data: Record<string, unknown> = { expiresAt: flag.claimExpiresAt };
      if (current.live && current.claimed_by === actor) data['renewed'] = true;
      if (current.claimed_by !== null && current.claimed_by !== actor) data['previous'] = { claimedBy: current.claimed_by, expired: !current.live };
      await insertEvent(tx, id, 'claimed', actor, current.status, flag.status, null, data);
      return flag;
    });
  }

  /**
   * Gives a claim up: an `in_review` flag goes back to `open`. Releasing a flag nobody holds
   * changes nothing.
   *
   * @param opts.override release a claim another reviewer holds (admins).
   * @throws NotFoundError when there is no such flag.
   * @throws ConflictError when another reviewer holds a live claim.
   */
  async release(id: string, actor: string, opts: { override?: boolean } = {}): Promise<FlagRecord> {
    if (!isId(id)) throw new NotFoundError('flag', id);
    return this.db.transaction(async (tx) => {
      const current = await lockForReview(tx, id);
      if (current.claimed_by === null) return toFlag((await tx.query<FlagRow>(`SELECT ${FLAG_COLUMNS} FROM flags f WHERE f.id = $1`, [id]))[0]!);
      if (current.live && current.claimed_by !== actor && !opts.override) throw claimConflict(id, current);
      const [row] = await tx.query<FlagRow>(
        `UPDATE flags f SET claimed_by = NULL, claim_expires_at = NULL,
           status = CASE WHEN f.status = 'in_review' THEN 'open' ELSE f.status END, updated_at = now()
         WHERE f.id = $1 RETURNING ${FLAG_COLUMNS}`,
        [id],
      );
      const flag = toFlag(row!);
      await insertEvent(tx, id, 'released', actor, current.status, flag.status, null, { claimedBy: current.claimed_by });
      return flag;
    });
  }

  /**
   * Reopens every flag whose claim ran out, each with a `released` event by `system`. Rows
   * another transaction holds are left for the next sweep rather than waited for.
   *
   * @returns how many claims were released.
   */
  async releaseExpiredClaims(): Promise<number> {
    const rows = await this.db.query<{ flag_id: string }>(
      `WITH expired AS (
         SELECT id, claimed_by, status FROM flags
         WHERE claimed_by IS NOT NULL AND claim_expires_at <= now()
         ORDER BY id FOR UPDATE SKIP LOCKED
       ),
       released AS (
         UPDATE flags f SET claimed_by = NULL, claim_expires_at = NULL,
           status = CASE WHEN f.status = 'in_review' THEN 'open' ELSE f.status END, updated_at = now()
         FROM expired e WHERE f.id = e.id
         RETURNING f.id, e.claimed_by, e.status AS from_status, f.status AS to_status
       )
       INSERT INTO flag_events (flag_id, type, actor, from_status, to_status, data)
       SELECT id, 'released', 'system', from_status, to_status, jsonb_build_object('claimedBy', claimed_by, 'reason', 'expired')
       FROM released ORDER BY id
       RETURNING flag_id`,
    );
    return rows.length;
  }

  /**
   * Assigns a flag to a reviewer (null: to nobody), with an `assigned` event. Assigning a flag
   * to whom it is assigned already changes nothing.
   *
   * @throws NotFoundError when there is no such flag.
   */
  async assign(id: string, assignee: string | null, actor: string): Promise<FlagRecord> {
    if (!isId(id)) throw new NotFoundError('flag', id);
    return this.db.transaction(async (tx) => {
      const [current] = await tx.query<{ assigned_to: string | null }>(`SELECT assigned_to FROM flags WHERE id = $1 FOR UPDATE`, [id]);
      if (!current) throw new NotFoundError('flag', id);
      if (current.assigned_to === assignee) return toFlag((await tx.query<FlagRow>(`SELECT ${FLAG_COLUMNS} FROM flags f WHERE f.id = $1`, [id]))[0]!);
      const [row] = await tx.query<FlagRow>(
        `UPDATE flags f SET assigned_to = $2, updated_at = now() WHERE f.id = $1 RETURNING ${FLAG_COLUMNS}`,
        [id, assignee],
      );
      await insertEvent(tx, id, 'assigned', actor, null, null, null, { from: current.assigned_to, to: assignee });
      return toFlag(row!);
    });
  }

  /**
   * Adds a reviewer's note to a flag's log without changing it.
   *
   * @throws NotFoundError when there is no such flag.
   */
  async note(id: string, note: string, actor: string): Promise<FlagEvent> {
    if (!isId(id)) throw new NotFoundError('flag', id);
    return this.db.transaction(async (tx) => {
      const [current] = await tx.query<{ status: FlagStatus }>(`SELECT status FROM flags WHERE id = $1 FOR UPDATE`, [id]);
      if (!current) throw new NotFoundError('flag', id);
      return insertEvent(tx, id, 'noted', actor, null, null, note, {});
    });
  }

  /**
   * `decide`, unless another reviewer holds a live claim on the flag: deciding it would throw
   * their work away. The claim, if `actor`'s own, ends with the decision.
   *
   * @param opts.override decide over another reviewer's claim (admins).
   * @throws NotFoundError when there is no such flag.
   * @throws ConflictError when another reviewer holds a live claim.
   */
  async decideAsReviewer(id: string, input: DecisionInput, actor: string, opts: { override?: boolean } = {}): Promise<FlagRecord> {
    const toStatus = decisionStatus(input);
    if (!isId(id)) throw new NotFoundError('flag', id);
    return this.db.transaction(async (tx) => {
      const current = await lockForReview(tx, id);
      if (current.live && current.claimed_by !== actor && !opts.override) throw claimConflict(id, current);
      const [row] = await tx.query<FlagRow>(
        `UPDATE flags f SET status = $2, claimed_by = NULL, claim_expires_at = NULL, updated_at = now()
         WHERE f.id = $1 RETURNING ${FLAG_COLUMNS}`,
        [id, toStatus],
      );
      const data: Record<string, unknown> = { decision: input.decision };
      if (current.live && current.claimed_by !== actor) data['overrodeClaimOf'] = current.claimed_by;
      await insertEvent(tx, id, 'decided', actor, current.status, toStatus, input.note ?? null, data);
      return toFlag(row!);
    });
  }

  /**
   * Decides every flag a filter selects (by default the `open` and `in_review` ones), lowest id
   * first, at most `limit` of them, in one transaction; each gets its own `decided` event
   * marked `bulk`. Flags another reviewer holds a live claim on are skipped, unless
   * `override`. With `dryRun`, answers what would happen and changes nothing.
   */
  async decideMany(filter: FlagFilter, input: DecisionInput, actor: string, opts: BulkDecisionOptions): Promise<BulkDecisionResult> {
    const toStatus = decisionStatus(input);
    if (!Number.isInteger(opts.limit) || opts.limit < 1 || opts.limit > MAX_FLAG_PAGE) {
      throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_FLAG_PAGE}`);
    }
    const selection: FlagFilter = { ...filter, status: filter.status ?? ['open', 'in_review'] };
    return this.db.transaction(async (tx) => {
      const params: unknown[] = [];
      const param = (value: unknown): string => `$${params.push(value)}`;
      const conditions = filterConditions(selection, param);
      const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
      const [counted] = await tx.query<{ count: string }>(`SELECT count(*) AS count FROM flags f JOIN posts p ON p.id = f.post_id ${where}`, params);
      const rows = await tx.query<ReviewLockRow & { id: string }>(
        `SELECT f.id, f.status, f.claimed_by, f.claim_expires_at, (f.claimed_by IS NOT NULL AND f.claim_expires_at > now()) AS live
         FROM flags f JOIN posts p ON p.id = f.post_id ${where}
         ORDER BY f.id LIMIT ${param(opts.limit)} FOR UPDATE OF f`,
        params,
      );
      const skipped: BulkSkip[] = [];
      const chosen: (ReviewLockRow & { id: string })[] = [];
      for (const row of rows) {
        if (row.live && row.claimed_by !== actor && !opts.override) {
          skipped.push({ id: row.id, claimedBy: row.claimed_by!, claimExpiresAt: isoOrNull(row.claim_expires_at)! });
        } else chosen.push(row);
      }
      const matched = Number(counted?.count ?? 0);
      const result = { dryRun: Boolean(opts.dryRun), matched, decided: chosen.map((r) => r.id), skipped, remaining: matched - rows.length };
      if (opts.dryRun || chosen.length === 0) return result;
      await tx.query(
        `UPDATE flags SET status = $2, claimed_by = NULL, claim_expires_at = NULL, updated_at = now() WHERE id = ANY($1::bigint[])`,
        [chosen.map((r) => r.id), toStatus],
      );
      await tx.query(
        `INSERT INTO flag_events (flag_id, type, actor, from_status, to_status, note, data)
         SELECT u.id, 'decided', $3, u.from_status, $4, $5, $6::jsonb
         FROM unnest($1::bigint[], $2::text[]) AS u(id, from_status) ORDER BY u.id`,
        [chosen.map((r) => r.id), chosen.map((r) => r.status), actor, toStatus, input.note ?? null, JSON.stringify({ decision: input.decision, bulk: true })],
      );
      return result;
    });
  }

  /**
   * The audit log across flags, newest first, with keyset pagination on the event id.
   *
   * @throws InvalidInputError for a limit outside 1…MAX_FLAG_PAGE or a malformed cursor.
   */
  async listEvents(query: EventQuery): Promise<EventPage> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_FLAG_PAGE) {
      throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_FLAG_PAGE}`);
    }
    const params: unknown[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    const conditions: string[] = [];
    if (query.flagId !== undefined) conditions.push(isId(query.flagId) ? `e.flag_id = ${param(query.flagId)}::bigint` : 'false');
    if (query.actor !== undefined) conditions.push(`e.actor = ${param(query.actor)}`);
    if (query.types !== undefined) conditions.push(`e.type = ANY(${param([...query.types])}::text[])`);
    if (query.before !== undefined) {
      if (!isId(query.before)) throw new InvalidInputError('malformed cursor', { cursor: query.before });
      conditions.push(`e.id < ${param(query.before)}::bigint`);
    }
    const rows = await this.db.query<EventRow & { pattern_id: string; story_id: string | null }>(
      `SELECT e.id, e.flag_id, e.type, e.actor, e.at, e.from_status, e.to_status, e.note, e.data, f.pattern_id, f.story_id
       FROM flag_events e JOIN flags f ON f.id = e.flag_id
       ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY e.id DESC LIMIT ${param(query.limit + 1)}`,
      params,
    );
    const page = rows.slice(0, query.limit);
    return {
      items: page.map((row) => ({ ...toEvent(row), patternId: row.pattern_id, storyId: row.story_id })),
      nextCursor: rows.length > query.limit ? page.at(-1)!.id : null,
    };
  }
}

/** The review state of a flag, read under its row lock. */
interface ReviewLockRow {
  status: FlagStatus;
  claimed_by: string | null;
  claim_expires_at: Date | null;
  /** Whether the claim has not run out. */
  live: boolean;
}

async function lockForReview(tx: Queryable, id: string): Promise<ReviewLockRow> {
  const [row] = await tx.query<ReviewLockRow>(
    `SELECT status, claimed_by, claim_expires_at, (claimed_by IS NOT NULL AND claim_expires_at > now()) AS live
     FROM flags WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (!row) throw new NotFoundError('flag', id);
  return row;
}

function claimConflict(id: string, current: ReviewLockRow): ConflictError {
  const until = isoOrNull(current.claim_expires_at);
  return new ConflictError(`flag ${id} is claimed by ${current.claimed_by} until ${until}`, { claimedBy: current.claimed_by, claimExpiresAt: until });
}

function decisionStatus(input: DecisionInput): FlagStatus {
  const toStatus = Object.hasOwn(DECISION_STATUS, input.decision) ? DECISION_STATUS[input.decision] : undefined;
  if (!toStatus) throw new InvalidInputError(`unknown decision ${JSON.stringify(input.decision)}`);
  return toStatus;
}

async function insertEvent(
  tx: Queryable,
  flagId: string,
  type: FlagEventType,
  actor: string,
  fromStatus: FlagStatus | null,
  toStatus: FlagStatus | null,
  note: string | null,
  data: Record<string, unknown>,
): Promise<FlagEvent> {
  const [row] = await tx.query<EventRow>(
    `INSERT INTO flag_events (flag_id, type, actor, from_status, to_status, note, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
     RETURNING id, flag_id, type, actor, at, from_status, to_status, note, data`,
    [flagId, type, actor, fromStatus, toStatus, note, JSON.stringify(data)],
  );
  return toEvent(row!);
}

function toEvent(row: EventRow): FlagEvent {
  return {
    id: row.id,
    flagId: row.flag_id,
    type: row.type,
    actor: row.actor,
    at: isoString(row.at),
    fromStatus: row.from_status,
    toStatus: row.to_status,
    note: row.note,
    data: row.data,
  };
}

/** SQL conditions on `flags f JOIN posts p` for a filter; `param` binds a value. */
function filterConditions(filter: FlagFilter, param: (value: unknown) => string): string[] {
  const conditions: string[] = [];
  if (filter.status !== undefined) {
    const statuses = typeof filter.status === 'string' ? [filter.status] : [...filter.status];
    conditions.push(`f.status = ANY(${param(statuses)}::text[])`);
  }
  if (filter.patternId !== undefined) conditions.push(`f.pattern_id = ${param(filter.patternId)}`);
  if (filter.tier !== undefined) conditions.push(`f.tier = ${param(filter.tier)}`);
  // As real, like the column: 0.7 as a double is above the stored real 0.7.
  if (filter.minScore !== undefined) conditions.push(`f.score >= ${param(filter.minScore)}::real`);
  if (filter.source !== undefined) conditions.push(`p.source = ${param(filter.source)}`);
  if (filter.community !== undefined) conditions.push(`p.community = ${param(filter.community)}`);
  if (filter.from !== undefined) conditions.push(`p.created_at >= ${param(filter.from)}::timestamptz`);
  if (filter.to !== undefined) conditions.push(`p.created_at < ${param(filter.to)}::timestamptz`);
  if (filter.storyId !== undefined) conditions.push(isId(filter.storyId) ? `f.story_id = ${param(filter.storyId)}::bigint` : 'false');
  if (filter.assignedTo !== undefined) conditions.push(`f.assigned_to = ${param(filter.assignedTo)}`);
  if (filter.claimedBy !== undefined) conditions.push(`f.claimed_by = ${param(filter.claimedBy)}`);
  if (filter.ids !== undefined) conditions.push(`f.id = ANY(${param(filter.ids.filter(isId))}::bigint[])`);
  return conditions;
}

function toFlag(row: FlagRow): FlagRecord {
  return {
    id: row.id,
    postId: row.post_id,
    patternId: row.pattern_id,
    patternVersion: row.pattern_version,
    storyId: row.story_id,
    tier: row.tier,
    score: row.score,
    status: row.status,
    signals: row.signals,
    match: row.match,
    createdAt: isoString(row.created_at),
    updatedAt: isoString(row.updated_at),
    claimedBy: row.claimed_by,
    claimExpiresAt: isoOrNull(row.claim_expires_at),
    assignedTo: row.assigned_to,
  };
}

interface CursorPosition {
  sort: FlagSort;
  /** The last item's sort key: its score, or its post's createdAt to the microsecond. */
  key: number | string;
  id: string;
}

function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.sort, position.key, position.id])).toString('base64url');
}

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function decodeCursor(cursor: string, sort: FlagSort): CursorPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidInputError('malformed cursor', { cursor });
  }
  if (!Array.isArray(decoded) || decoded.length !== 3) throw new InvalidInputError('malformed cursor', { cursor });
  const [cursorSort, key, id] = decoded as unknown[];
  if (cursorSort !== sort) throw new InvalidInputError(`cursor belongs to another sort than ${sort}`, { cursor });
  const validKey =
    sort === 'score' ? typeof key === 'number' && Number.isFinite(key) : typeof key === 'string' && CURSOR_TIME.test(key);
  if (!validKey || typeof id !== 'string' || !isId(id)) throw new InvalidInputError('malformed cursor', { cursor });
  return { sort, key: key as number | string, id };
}
