import type { PatternScore, Score, ScoreVersions, Tier } from '@undertow/core';
import { lastByKey } from '../batch.js';
import { isId, isoString } from '../codec.js';
import type { Queryable } from '../database.js';

interface ScoreRow {
  post_id: string;
  value: number;
  tier: Tier;
  patterns: PatternScore[];
  versions: ScoreVersions;
  scored_at: Date;
}

/** The latest score of each post; a rescan overwrites it. */
export class ScoreRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Stores each post's score in one statement, replacing a stored one unless that one is newer
   * (`scoredAt`), so a late retry cannot undo a rescan. The `model` column is
   * `score.versions.model`.
   */
  async upsert(scores: readonly Score[]): Promise<void> {
    const batch = lastByKey(scores, (s) => s.postId);
    if (batch.length === 0) return;
    await this.db.query(
      `INSERT INTO scores AS s (post_id, value, tier, patterns, versions, model, scored_at)
       SELECT post_id, value, tier, patterns, versions, versions->>'model', scored_at
       FROM jsonb_to_recordset($1::jsonb)
         AS t(post_id bigint, value real, tier text, patterns jsonb, versions jsonb, scored_at timestamptz)
       ORDER BY post_id
       ON CONFLICT (post_id) DO UPDATE SET
         value = excluded.value, tier = excluded.tier, patterns = excluded.patterns,
         versions = excluded.versions, model = excluded.model, scored_at = excluded.scored_at
       WHERE excluded.scored_at >= s.scored_at`,
      [
        JSON.stringify(
          batch.map((s) => ({
            post_id: s.postId,
            value: s.value,
            tier: s.tier,
            patterns: s.patterns,
            versions: s.versions,
            scored_at: s.scoredAt,
          })),
        ),
      ],
    );
  }

  async get(postId: string): Promise<Score | null> {
    return (await this.getMany([postId])).get(postId) ?? null;
  }

  /** The stored scores among `postIds`, keyed by post id. */
  async getMany(postIds: readonly string[]): Promise<Map<string, Score>> {
    const scores = new Map<string, Score>();
    const valid = postIds.filter(isId);
    if (valid.length === 0) return scores;
    const rows = await this.db.query<ScoreRow>(
      `SELECT post_id, value, tier, patterns, versions, scored_at FROM scores WHERE post_id = ANY($1::bigint[])`,
      [valid],
    );
    for (const row of rows) {
      scores.set(row.post_id, {
        postId: row.post_id,
        value: row.value,
        tier: row.tier,
        patterns: row.patterns,
        versions: row.versions,
        scoredAt: isoString(row.scored_at),
      });
    }
    return scores;
  }
}
