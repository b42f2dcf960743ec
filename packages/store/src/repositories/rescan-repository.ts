import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  type PassageMatch,
  type Rescan,
  type RescanPattern,
  type RescanState,
  type Score,
  type Signal,
  type Tier,
} from '@undertow/core';
import { isId, isoOrNull, isoString, toFloat32Array, toUint32Array } from '../codec.js';
import type { Database, Queryable } from '../database.js';
import { FlagRepository } from './flag-repository.js';

/** A rescan to create. */
export interface NewRescan {
  /** Patterns to re-score against. Default: every active, indexed content pattern. */
  patternIds?: readonly string[];
  /** Inclusive lower bound on the posts' `createdAt`. */
  from?: string;
  /** Exclusive upper bound on the posts' `createdAt`. */
  to?: string;
  /**
   * Instead of `from`: the last N days before the newest stored post's `createdAt` (or before
   * now, when that post is dated later than now). Posts carry their own time, so a replayed
   * archive is rescanned over its own last N days, not the calendar's.
   */
  recentDays?: number;
  reason: string;
  createdBy: string;
  /** A second `create` with the same key answers the rescan the first made. */
  dedupeKey?: string;
  /** Posts per chunk. */
  chunkSize: number;
}

export interface CreatedRescan {
  rescan: Rescan;
  /** False when `dedupeKey` named a rescan that already existed. */
  created: boolean;
}

/** One chunk's bookkeeping: the proof that each post of a rescan was checked once. */
export interface RescanChunk {
  idx: number;
  firstPostId: string;
  lastPostId: string;
  /** Posts in the chunk when the rescan was planned. */
  planned: number;
  /** Posts the chunk checked, once done. */
  checked: number | null;
  done: boolean;
  /** Times a worker started the chunk; more than 1 after a crash or a retry. */
  attempts: number;
  newlyFlagged: number;
  noLongerFlagged: number;
  rescored: number;
  stats: Record<string, number> | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** What a worker needs to check one chunk. */
export interface ChunkWork {
  rescanId: string;
  chunk: number;
  patterns: RescanPattern[];
  from: string | null;
  to: string | null;
  firstPostId: string;
  lastPostId: string;
  /** 1 on the first try. */
  attempt: number;
}

export type ChunkStart = { status: 'work'; work: ChunkWork } | { status: 'skip'; reason: 'missing' | 'done' | Exclude<RescanState, 'queued' | 'running'> };

/** A chunk's posts as a rescan reads them: fingerprints only, no text. */
export interface ChunkPosts {
  /** Post ids in ascending order. */
  ids: string[];
  /** Each post's stored MinHash signature; null for a text without words. */
  minhashes: (Uint32Array | null)[];
  /** Ids of the posts whose URL keys meet the ones asked about. */
  urlHits: Set<string>;
  /** Each post's stored vector under the model asked about (null where none is stored); null when no model was asked about. */
  vectors: (Float32Array | null)[] | null;
}

/** What scoring a candidate needs beyond its fingerprints. */
export interface CandidateText {
  id: string;
  title: string | null;
  text: string;
  urls: string[];
  urlKeys: string[];
  textHash: string;
  minhash: Uint32Array | null;
}

/** How one (post, pattern) pair's result changed. */
export interface PatternTransition {
  patternId: string;
  patternVersion: number;
  from: { tier: Tier; value: number } | null;
  to: { tier: Tier; value: number; signals: Signal[]; match: PassageMatch | null };
}

/** A post whose stored score the rescan changes. */
export interface ScoreChange {
  score: Score;
  /** `scoredAt` of the stored score the change was computed from; see `ChunkFinish` `stale`. */
  replaces: string;
  transitions: PatternTransition[];
  storyId?: string | null;
}

export interface ChunkResult {
  /** Posts the chunk checked. */
  checked: number;
  changes: ScoreChange[];
  /** Where the chunk's time went, in milliseconds per stage, and other figures. */
  stats: Record<string, number>;
}

export type ChunkFinish =
  | { status: 'finished'; newlyFlagged: number; noLongerFlagged: number; rescored: number }
  /** Another attempt finished the chunk first: nothing was written. */
  | { status: 'already-done' }
  /** The rescan was cancelled or failed meanwhile: nothing was written. */
  | { status: 'stopped' }
  /**
   * Live scoring (or another rescan) replaced the stored scores of these posts since the
   * changes were computed from them: nothing was written. Recompute their changes from the
   * scores now stored and finish again.
   */
  | { status: 'stale'; postIds: string[] };

interface RescanRow {
  id: string;
  state: RescanState;
  pattern_versions: RescanPattern[];
  from_at: Date | null;
  to_at: Date | null;
  reason: string;
  created_by: string;
  total: string;
  done: string;
  newly_flagged: string;
  no_longer_flagged: string;
  rescored: string;
  chunk_count: number;
  chunks_done: string;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  elapsed: number | null;
}

interface ChunkRow {
  idx: number;
  first_post_id: string;
  last_post_id: string;
  planned: number;
  checked: number | null;
  done: boolean;
  attempts: number;
  newly_flagged: number;
  no_longer_flagged: number;
  rescored: number;
  stats: Record<string, number> | null;
  started_at: Date | null;
  finished_at: Date | null;
}

const RESCAN_SELECT = `
SELECT r.id, r.state, r.pattern_versions, r.from_at, r.to_at, r.reason, r.created_by, r.total, r.done, r.newly_flagged,
  r.no_longer_flagged, r.rescored, r.chunk_count, r.error, r.created_at, r.started_at, r.finished_at,
  (SELECT count(*) FROM rescan_chunks c WHERE c.rescan_id = r.id AND c.done) AS chunks_done,
  extract(epoch FROM (coalesce(r.finished_at, now()) - r.started_at))::float8 AS elapsed
FROM rescans r`;

const LIVE_STATES = `('queued', 'running')`;

/** Thrown inside a chunk's transaction to roll it back when its rescan stopped. */
class RescanStopped extends Error {}

/** Thrown inside a chunk's transaction to roll it back when changes were computed from replaced scores. */
class StaleScores extends Error {
  constructor(readonly postIds: string[]) {
    super(`stored scores of ${postIds.length} posts were replaced`);
  }
}

/**
 * Rescans, their chunks and the writes of a checked chunk. A rescan is planned in one
 * transaction: its row and its chunks, each a run of consecutive post ids in the time range.
 * A chunk's results, its `done` flag and the rescan's counters are written in one transaction
 * that does nothing if the chunk is already done or the rescan stopped.
 */
export class RescanRepository {
  constructor(private readonly db: Database) {}

  /**
   * Pins the patterns' current versions, plans the chunks and stores the rescan as `queued`.
   *
   * @throws InvalidInputError for an unknown or behaviour pattern, or a range that ends before it starts.
   * @throws ConflictError for a pattern that is inactive or still indexing, or when no pattern
   *   is left to rescan against.
   */
  async create(request: NewRescan): Promise<CreatedRescan> {
    if (!Number.isInteger(request.chunkSize) || request.chunkSize < 1) throw new InvalidInputError('chunkSize must be a positive integer');
    if (request.from !== undefined && request.to !== undefined && Date.parse(request.from) >= Date.parse(request.to)) {
      throw new InvalidInputError('/from must be before /to', [{ path: '/from', message: 'must be before to' }]);
    }
    if (request.dedupeKey !== undefined) {
      const existing = await this.findByDedupeKey(request.dedupeKey);
      if (existing) return { rescan: existing, created: false };
    }
    const id = await this.db.transaction(async (tx) => {
      const patterns = await resolvePatterns(tx, request.patternIds);
      let from = request.from ?? null;
      if (request.recentDays !== undefined) {
        const [anchor] = await tx.query<{ from_at: Date }>(
          `SELECT least(max(created_at), now()) - make_interval(days => $1) AS from_at FROM posts`,
          [request.recentDays],
        );
        from = isoString(anchor!.from_at);
      }
      const [row] = await tx.query<{ id: string }>(
        `INSERT INTO rescans (pattern_versions, from_at, to_at, reason, created_by, dedupe_key)
         VALUES ($1::jsonb, $2, $3, $4, $5, $6)
         ON CONFLICT (dedupe_key) DO NOTHING
         RETURNING id`,
        [JSON.stringify(patterns), from, request.to ?? null, request.reason, request.createdBy, request.dedupeKey ?? null],
      );
      if (!row) return null;
      const { where, params } = timeRange(from, request.to ?? null, 3);
      // Consecutive ids in the range, cut every chunkSize posts: the chunks cover the range
      // once, and each is one index range scan to read.
      await tx.query(
        `INSERT INTO rescan_chunks (rescan_id, idx, first_post_id, last_post_id, planned)
         SELECT $1, idx, min(id), max(id), count(*)
         FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / $2 AS idx FROM posts ${where}) numbered
         GROUP BY idx`,
        [row.id, request.chunkSize, ...params],
      );
      await tx.query(
        `UPDATE rescans SET (total, chunk_count) = (
           SELECT coalesce(sum(planned), 0), count(*) FROM rescan_chunks WHERE rescan_id = $1)
         WHERE id = $1`,
        [row.id],
      );
      return row.id;
    });
    if (id === null) {
      // Another caller with the same key won the insert.
      const existing = await this.findByDedupeKey(request.dedupeKey!);
      if (!existing) throw new Error(`rescan with key ${request.dedupeKey} was neither created nor found`);
      return { rescan: existing, created: false };
    }
    return { rescan: (await this.get(id))!, created: true };
  }

  async get(id: string): Promise<Rescan | null> {
    if (!isId(id)) return null;
    const rows = await this.db.query<RescanRow>(`${RESCAN_SELECT} WHERE r.id = $1`, [id]);
    return rows[0] ? toRescan(rows[0]) : null;
  }

  /** The newest rescans first. */
  async list(filter: { state?: RescanState; limit: number }): Promise<Rescan[]> {
    const params: unknown[] = [];
    const where = filter.state === undefined ? '' : `WHERE r.state = $${params.push(filter.state)}`;
    const rows = await this.db.query<RescanRow>(`${RESCAN_SELECT} ${where} ORDER BY r.id DESC LIMIT $${params.push(filter.limit)}`, params);
    return rows.map(toRescan);
  }

  /** A rescan's chunks in order. */
  async chunks(id: string): Promise<RescanChunk[]> {
    if (!isId(id)) return [];
    const rows = await this.db.query<ChunkRow>(
      `SELECT idx, first_post_id, last_post_id, planned, checked, done, attempts, newly_flagged, no_longer_flagged, rescored,
         stats, started_at, finished_at
       FROM rescan_chunks WHERE rescan_id = $1 ORDER BY idx`,
      [id],
    );
    return rows.map((r) => ({
      idx: r.idx,
      firstPostId: r.first_post_id,
      lastPostId: r.last_post_id,
      planned: r.planned,
      checked: r.checked,
      done: r.done,
      attempts: r.attempts,
      newlyFlagged: r.newly_flagged,
      noLongerFlagged: r.no_longer_flagged,
      rescored: r.rescored,
      stats: r.stats,
      startedAt: isoOrNull(r.started_at),
      finishedAt: isoOrNull(r.finished_at),
    }));
  }

  /**
   * Stops a queued or running rescan: chunks not yet finished write nothing.
   *
   * @throws NotFoundError when there is no such rescan.
   * @throws ConflictError when it already ended.
   */
  async cancel(id: string): Promise<Rescan> {
    if (!isId(id)) throw new NotFoundError('rescan', id);
    const rows = await this.db.query<{ id: string }>(
      `UPDATE rescans SET state = 'cancelled', finished_at = now(), updated_at = now()
       WHERE id = $1 AND state IN ${LIVE_STATES} RETURNING id`,
      [id],
    );
    const rescan = await this.get(id);
    if (!rescan) throw new NotFoundError('rescan', id);
    if (rows.length === 0) throw new ConflictError(`rescan ${id} is already ${rescan.state}`, { state: rescan.state });
    return rescan;
  }

  /** Marks a queued or running rescan failed; one that already ended is left as it is. */
  async fail(id: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE rescans SET state = 'failed', error = $2, finished_at = now(), updated_at = now()
       WHERE id = $1 AND state IN ${LIVE_STATES}`,
      [id, error.slice(0, 2000)],
    );
  }

  /**
   * Closes a rescan whose chunk jobs have all ended: `completed` when every chunk is done,
   * else `failed`. A rescan that already ended is left as it is.
   */
  async finish(id: string): Promise<Rescan | null> {
    await this.db.query(
      `UPDATE rescans r SET
         state = CASE WHEN pending.n = 0 THEN 'completed' ELSE 'failed' END,
         error = CASE WHEN pending.n = 0 THEN NULL ELSE 'chunks left unchecked: ' || pending.n END,
         started_at = coalesce(r.started_at, now()), finished_at = now(), updated_at = now()
       FROM (SELECT count(*) AS n FROM rescan_chunks WHERE rescan_id = $1 AND NOT done) pending
       WHERE r.id = $1 AND r.state IN ${LIVE_STATES}`,
      [id],
    );
    return this.get(id);
  }

  /**
   * Starts (or restarts) a chunk: counts the attempt and marks the rescan running. Answers the
   * work, or why there is none: the chunk is done, or the rescan ended or does not exist.
   */
  async startChunk(rescanId: string, chunk: number): Promise<ChunkStart> {
    if (!isId(rescanId)) return { status: 'skip', reason: 'missing' };
    await this.db.query(
      `UPDATE rescans SET state = 'running', started_at = coalesce(started_at, now()), updated_at = now()
       WHERE id = $1 AND state = 'queued'`,
      [rescanId],
    );
    const [row] = await this.db.query<{
      state: RescanState;
      pattern_versions: RescanPattern[];
      from_at: Date | null;
      to_at: Date | null;
      first_post_id: string | null;
      last_post_id: string | null;
      attempts: number | null;
    }>(
      `WITH started AS (
         UPDATE rescan_chunks c SET attempts = attempts + 1, started_at = now()
         FROM rescans r
         WHERE c.rescan_id = $1 AND c.idx = $2 AND NOT c.done AND r.id = c.rescan_id AND r.state IN ${LIVE_STATES}
         RETURNING c.first_post_id, c.last_post_id, c.attempts
       )
       SELECT r.state, r.pattern_versions, r.from_at, r.to_at, s.first_post_id, s.last_post_id, s.attempts
       FROM rescans r LEFT JOIN started s ON true
       WHERE r.id = $1`,
      [rescanId, chunk],
    );
    if (!row) return { status: 'skip', reason: 'missing' };
    if (row.state !== 'queued' && row.state !== 'running') return { status: 'skip', reason: row.state };
    if (row.first_post_id === null || row.last_post_id === null || row.attempts === null) return { status: 'skip', reason: 'done' };
    return {
      status: 'work',
      work: {
        rescanId,
        chunk,
        patterns: row.pattern_versions,
        from: isoOrNull(row.from_at),
        to: isoOrNull(row.to_at),
        firstPostId: row.first_post_id,
        lastPostId: row.last_post_id,
        attempt: row.attempts,
      },
    };
  }

  /**
   * A chunk's posts, fingerprints only, in one index range scan: ids, MinHash signatures,
   * whether their URL keys meet `urlKeys`, and (with `model`) their stored vectors.
   */
  async readChunk(work: Pick<ChunkWork, 'firstPostId' | 'lastPostId' | 'from' | 'to'>, opts: { urlKeys: readonly string[]; model: string | null }): Promise<ChunkPosts> {
    const params: unknown[] = [work.firstPostId, work.lastPostId];
    const conditions = ['p.id BETWEEN $1 AND $2'];
    if (work.from !== null) conditions.push(`p.created_at >= $${params.push(work.from)}::timestamptz`);
    if (work.to !== null) conditions.push(`p.created_at < $${params.push(work.to)}::timestamptz`);
    const urlColumn = opts.urlKeys.length > 0 ? `, (p.url_keys && $${params.push([...opts.urlKeys])}::text[]) AS url_hit` : '';
    const vectorJoin = opts.model !== null ? `LEFT JOIN embeddings e ON e.model = $${params.push(opts.model)} AND e.text_hash = p.text_hash` : '';
    const rows = await this.db.query<{ id: string; minhash: Uint8Array | null; url_hit?: boolean; vector?: Uint8Array | null }>(
      `SELECT p.id, p.minhash${urlColumn}${vectorJoin ? ', e.vector' : ''}
       FROM posts p ${vectorJoin}
       WHERE ${conditions.join(' AND ')}
       ORDER BY p.id`,
      params,
    );
    const urlHits = new Set<string>();
    for (const row of rows) if (row.url_hit) urlHits.add(row.id);
    return {
      ids: rows.map((r) => r.id),
      minhashes: rows.map((r) => (r.minhash ? words(r.minhash) : null)),
      urlHits,
      vectors: opts.model === null ? null : rows.map((r) => (r.vector ? toFloat32Array(r.vector) : null)),
    };
  }

  /**
   * Which of the pinned pattern versions are still the ones to score with: current, active,
   * indexed and not removed. One small query, so a worker can ask before every chunk.
   */
  async currentPatterns(pinned: readonly RescanPattern[]): Promise<RescanPattern[]> {
    if (pinned.length === 0) return [];
    const rows = await this.db.query<{ id: string; version: number }>(
      `SELECT p.id, p.version FROM patterns p
       JOIN jsonb_to_recordset($1::jsonb) AS x(id text, version int) ON x.id = p.id AND x.version = p.version
       WHERE p.deleted_at IS NULL AND p.active AND p.status = 'ready' AND p.kind <> 'behaviour'
       ORDER BY p.created_at, p.id`,
      [JSON.stringify(pinned)],
    );
    return rows.map((r) => ({ id: r.id, version: r.version }));
  }

  /** The texts of the candidates a chunk must score, with their stored fingerprints. */
  async readCandidates(ids: readonly string[]): Promise<CandidateText[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<{ id: string; title: string | null; text: string; urls: string[]; url_keys: string[]; text_hash: string; minhash: Uint8Array | null }>(
      `SELECT id, title, text, urls, url_keys, text_hash, minhash FROM posts WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [ids],
    );
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      text: r.text,
      urls: r.urls,
      urlKeys: r.url_keys,
      textHash: r.text_hash,
      minhash: r.minhash ? words(r.minhash) : null,
    }));
  }

  /** Posts with ids in `[firstPostId, lastPostId]` whose stored score holds a result for one of `patternIds`. */
  async postsScoredFor(work: Pick<ChunkWork, 'firstPostId' | 'lastPostId'>, patternIds: readonly string[]): Promise<Set<string>> {
    if (patternIds.length === 0) return new Set();
    const rows = await this.db.query<{ post_id: string }>(
      `SELECT post_id FROM scores WHERE post_id BETWEEN $1 AND $2 AND versions->'patterns' ?| $3::text[]`,
      [work.firstPostId, work.lastPostId, [...patternIds]],
    );
    return new Set(rows.map((r) => r.post_id));
  }

  /**
   * Writes a checked chunk in one transaction: marks it done, replaces the changed scores,
   * opens or rescores the flags that reach a tier (events by `rescan:<id>`), records a
   * `rescored` event with `toTier: none` on flags that no longer reach one, and adds to the
   * rescan's counters. Writes nothing when another attempt finished the chunk first, when the
   * rescan stopped meanwhile, or when a changed post's stored score was replaced since it was
   * read (`stale`: the caller recomputes those posts and tries again).
   */
  async finishChunk(work: Pick<ChunkWork, 'rescanId' | 'chunk'>, result: ChunkResult): Promise<ChunkFinish> {
    const actor = `rescan:${work.rescanId}`;
    try {
      return await this.db.transaction(async (tx) => {
        const started = performance.now();
        const [chunk] = await tx.query<{ planned: number }>(
          `UPDATE rescan_chunks SET done = true, checked = $3, finished_at = now()
           WHERE rescan_id = $1 AND idx = $2 AND NOT done RETURNING planned`,
          [work.rescanId, work.chunk, result.checked],
        );
        if (!chunk) return { status: 'already-done' } as const;

        const stale = await replacedSince(tx, result.changes);
        if (stale.length > 0) throw new StaleScores(stale);
        const kept = result.changes;
        if (kept.length > 0) await replaceScores(tx, kept);
        const { newlyFlagged, noLongerFlagged } = await writeFlags(tx, this.db.driver, kept, actor, work.rescanId);

        const stats = { ...result.stats, writeMs: Math.round(performance.now() - started) };
        await tx.query(
          `UPDATE rescan_chunks SET newly_flagged = $3, no_longer_flagged = $4, rescored = $5, stats = $6::jsonb
           WHERE rescan_id = $1 AND idx = $2`,
          [work.rescanId, work.chunk, newlyFlagged, noLongerFlagged, kept.length, JSON.stringify(stats)],
        );
        // Last, so that the one row every chunk updates is held for the shortest time.
        const counted = await tx.query(
          `UPDATE rescans SET done = done + $2, total = total + ($2 - $3), newly_flagged = newly_flagged + $4,
             no_longer_flagged = no_longer_flagged + $5, rescored = rescored + $6, updated_at = now()
           WHERE id = $1 AND state IN ${LIVE_STATES} RETURNING id`,
          [work.rescanId, result.checked, chunk.planned, newlyFlagged, noLongerFlagged, kept.length],
        );
        if (counted.length === 0) throw new RescanStopped();
        return { status: 'finished', newlyFlagged, noLongerFlagged, rescored: kept.length } as const;
      });
    } catch (error) {
      if (error instanceof RescanStopped) return { status: 'stopped' };
      if (error instanceof StaleScores) return { status: 'stale', postIds: error.postIds };
      throw error;
    }
  }

  private async findByDedupeKey(key: string): Promise<Rescan | null> {
    const rows = await this.db.query<RescanRow>(`${RESCAN_SELECT} WHERE r.dedupe_key = $1`, [key]);
    return rows[0] ? toRescan(rows[0]) : null;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A stored signature as 32-bit words, without a copy where the driver's buffer allows one: a
 * chunk reads thousands of them.
 */
function words(bytes: Uint8Array): Uint32Array {
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0 && bytes.byteLength % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return toUint32Array(bytes);
}

/** The patterns a rescan pins: those named (each checked), or every active, indexed content pattern. */
async function resolvePatterns(tx: Queryable, ids: readonly string[] | undefined): Promise<RescanPattern[]> {
  if (ids === undefined) {
    const rows = await tx.query<{ id: string; version: number }>(
      `SELECT id, version FROM patterns
       WHERE deleted_at IS NULL AND active AND status = 'ready' AND kind <> 'behaviour'
       ORDER BY created_at, id`,
    );
    if (rows.length === 0) throw new ConflictError('there is no active, indexed content pattern to rescan against');
    return rows.map((r) => ({ id: r.id, version: r.version }));
  }
  const rows = await tx.query<{ id: string; version: number; kind: string; status: string; active: boolean }>(
    `SELECT id, version, kind, status, active FROM patterns WHERE deleted_at IS NULL AND id = ANY($1::text[])`,
    [[...ids]],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const pinned: RescanPattern[] = [];
  const seen = new Set<string>();
  for (const [i, id] of ids.entries()) {
    if (seen.has(id)) continue;
    seen.add(id);
    const pattern = byId.get(id);
    if (!pattern) throw new InvalidInputError(`/patternIds/${i}: no pattern ${id}`, [{ path: `/patternIds/${i}`, message: `no pattern ${id}` }]);
    if (pattern.kind === 'behaviour') {
      throw new InvalidInputError(`/patternIds/${i}: ${id} is a behaviour pattern, which has no material to rescan for`, [
        { path: `/patternIds/${i}`, message: 'is a behaviour pattern' },
      ]);
    }
    if (!pattern.active) throw new ConflictError(`pattern ${id} is inactive; activate it first`, { patternId: id });
    if (pattern.status !== 'ready') throw new ConflictError(`pattern ${id} is ${pattern.status}; rescan once it is ready`, { patternId: id, status: pattern.status });
    pinned.push({ id, version: pattern.version });
  }
  return pinned;
}

function timeRange(from: string | null, to: string | null, firstParam: number): { where: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (from !== null) conditions.push(`created_at >= $${firstParam + params.push(from) - 1}::timestamptz`);
  if (to !== null) conditions.push(`created_at < $${firstParam + params.push(to) - 1}::timestamptz`);
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

/**
 * The posts whose stored score is no longer the one their change was computed from, with every
 * changed post's score row locked until the transaction ends: live scoring may have re-scored
 * a post since the chunk read it, and writing a view older than that would undo its work.
 */
async function replacedSince(tx: Queryable, changes: readonly ScoreChange[]): Promise<string[]> {
  if (changes.length === 0) return [];
  const rows = await tx.query<{ post_id: string; scored_at: Date }>(
    `SELECT post_id, scored_at FROM scores WHERE post_id = ANY($1::bigint[]) ORDER BY post_id FOR UPDATE`,
    [changes.map((c) => c.score.postId)],
  );
  const stored = new Map(rows.map((r) => [r.post_id, isoString(r.scored_at)]));
  return changes.filter((c) => stored.get(c.score.postId) !== c.replaces).map((c) => c.score.postId);
}

async function replaceScores(tx: Queryable, changes: readonly ScoreChange[]): Promise<void> {
  await tx.query(
    `UPDATE scores s SET value = x.value, tier = x.tier, patterns = x.patterns, versions = x.versions,
       model = x.versions->>'model', scored_at = x.scored_at
     FROM jsonb_to_recordset($1::jsonb)
       AS x(post_id bigint, value real, tier text, patterns jsonb, versions jsonb, scored_at timestamptz)
     WHERE s.post_id = x.post_id`,
    [
      JSON.stringify(
        changes.map(({ score }) => ({
          post_id: score.postId,
          value: score.value,
          tier: score.tier,
          patterns: score.patterns,
          versions: score.versions,
          scored_at: score.scoredAt,
        })),
      ),
    ],
  );
}

/**
 * Flags for the transitions of the kept changes. A pair that now reaches a tier goes through
 * `FlagRepository.applyScores` (opened, or rescored); a pair whose flag stayed from an earlier
 * time it was flagged, unchanged, gets a `rescored` event saying it is flagged again; a pair
 * that no longer reaches a tier keeps its flag, status and evidence, and gets a `rescored`
 * event with `toTier: none`.
 */
async function writeFlags(
  tx: Queryable,
  driver: Database['driver'],
  changes: readonly ScoreChange[],
  actor: string,
  rescanId: string,
): Promise<{ newlyFlagged: number; noLongerFlagged: number }> {
  const raised: { change: ScoreChange; t: PatternTransition }[] = [];
  const lowered: { change: ScoreChange; t: PatternTransition }[] = [];
  for (const change of changes) {
    for (const t of change.transitions) {
      if (t.to.tier !== 'none') raised.push({ change, t });
      else if (t.from !== null && t.from.tier !== 'none') lowered.push({ change, t });
    }
  }
  const flags = new FlagRepository(inTransaction(tx, driver));
  const applied = await flags.applyScores(
    raised.map(({ change, t }) => ({
      postId: change.score.postId,
      patternId: t.patternId,
      patternVersion: t.patternVersion,
      tier: t.to.tier as Exclude<Tier, 'none'>,
      score: t.to.value,
      signals: t.to.signals,
      match: t.to.match,
      storyId: change.storyId ?? null,
    })),
    { actor },
  );
  const appliedByPair = new Map(applied.map((a) => [`${a.postId}\u0000${a.patternId}`, a]));
  const newly = raised.filter(({ t }) => t.from === null || t.from.tier === 'none');
  const silent = newly.filter(({ change, t }) => {
    const a = appliedByPair.get(`${change.score.postId}\u0000${t.patternId}`);
    return a !== undefined && !a.created && !a.rescored;
  });
  const events = [...silent, ...lowered].map(({ change, t }) => ({
    post_id: change.score.postId,
    pattern_id: t.patternId,
    from_tier: t.from?.tier ?? 'none',
    to_tier: t.to.tier,
    from_score: t.from?.value ?? 0,
    to_score: t.to.value,
    to_version: t.patternVersion,
  }));
  if (events.length > 0) {
    await tx.query(
      `INSERT INTO flag_events (flag_id, type, actor, data)
       SELECT f.id, 'rescored', $1::text, jsonb_build_object(
         'fromTier', x.from_tier, 'toTier', x.to_tier, 'fromScore', x.from_score, 'toScore', x.to_score,
         'fromVersion', f.pattern_version, 'toVersion', x.to_version, 'rescanId', $2::text)
       FROM jsonb_to_recordset($3::jsonb)
         AS x(post_id bigint, pattern_id text, from_tier text, to_tier text, from_score real, to_score real, to_version int)
       JOIN flags f ON f.post_id = x.post_id AND f.pattern_id = x.pattern_id
       ORDER BY f.id`,
      [actor, rescanId, JSON.stringify(events)],
    );
  }
  return { newlyFlagged: newly.length, noLongerFlagged: lowered.length };
}

/** The transaction as a `Database`, so a repository written for one runs inside it; its own transactions join this one. */
function inTransaction(tx: Queryable, driver: Database['driver']): Database {
  return {
    driver,
    query: (sql, params) => tx.query(sql, params),
    transaction: (fn) => fn(tx),
    close: () => Promise.reject(new Error('a transaction cannot be closed')),
  };
}

function toRescan(row: RescanRow): Rescan {
  const total = Number(row.total);
  const done = Number(row.done);
  const finished = row.state !== 'queued' && row.state !== 'running';
  const rate = row.elapsed !== null && row.elapsed > 0 && done > 0 ? done / row.elapsed : null;
  return {
    id: row.id,
    state: row.state,
    patterns: row.pattern_versions,
    from: isoOrNull(row.from_at),
    to: isoOrNull(row.to_at),
    reason: row.reason,
    createdBy: row.created_by,
    total,
    done,
    newlyFlagged: Number(row.newly_flagged),
    noLongerFlagged: Number(row.no_longer_flagged),
    rescored: Number(row.rescored),
    chunks: { total: row.chunk_count, done: Number(row.chunks_done) },
    rate: rate === null ? null : Math.round(rate * 10) / 10,
    etaSeconds: finished ? 0 : rate === null ? null : Math.ceil(Math.max(0, total - done) / rate),
    error: row.error,
    createdAt: isoString(row.created_at),
    startedAt: isoOrNull(row.started_at),
    finishedAt: isoOrNull(row.finished_at),
  };
}
