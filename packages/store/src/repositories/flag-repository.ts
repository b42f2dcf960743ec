import {
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
import type { Database } from '../database.js';

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
SELECT id, 'opened', 'system', 'open', jsonb_build_object('tier', tier, 'score', score, 'patternVersion', pattern_version)
FROM opened ORDER BY id
RETURNING flag_id`;

// A later statement than OPEN_FLAGS, so it sees the flags that one raised (unchanged, hence not
// rescored) and any another writer committed meanwhile. It answers every input's flag.
const RESCORE_FLAGS = `
WITH input AS (${SCORE_INPUT}),
changed AS (
  SELECT f.id, f.tier AS old_tier, f.score AS old_score, f.pattern_version AS old_version,
         i.tier, i.score, i.pattern_version, i.signals, i.match, i.story_id
  FROM flags f JOIN input i ON f.post_id = i.post_id AND f.pattern_id = i.pattern_id
  WHERE f.tier <> i.tier OR f.score <> i.score OR f.pattern_version <> i.pattern_version
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
  SELECT id, 'rescored', 'system', jsonb_build_object(
    'fromTier', old_tier, 'toTier', tier, 'fromScore', old_score, 'toScore', score,
    'fromVersion', old_version, 'toVersion', pattern_version)
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
   */
  async applyScores(items: readonly FlagScore[]): Promise<AppliedFlag[]> {
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
      const opened = new Set((await tx.query<{ flag_id: string }>(OPEN_FLAGS, [input])).map((r) => r.flag_id));
      const rows = await tx.query<{ id: string; post_id: string; pattern_id: string; rescored: boolean }>(RESCORE_FLAGS, [input]);
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
    const conditions: string[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
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
