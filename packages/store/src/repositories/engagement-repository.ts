import { postKey, type Engagement, type EngagementUpdate, type PostRef } from '@undertow/core';
import { isoString } from '../codec.js';
import type { Queryable } from '../database.js';

/** A post's engagement as last observed. */
export type ObservedEngagement = Omit<Engagement, 'observedAt'> & { observedAt: string };

interface LatestRow {
  source: string;
  external_id: string;
  observed_at: Date | null;
  score: string | null;
  comments: string | null;
  shares: string | null;
  views: string | null;
}

// An update may carry only some counts (a views-only feed, say), so each count is its own
// latest known value rather than whatever the latest row holds. Each look-up walks the
// primary key backwards from the newest observation.
const LATEST = `
SELECT r.source, r.external_id,
  (SELECT max(observed_at) FROM engagement_observations e
    WHERE e.source = r.source AND e.external_id = r.external_id) AS observed_at,
  (SELECT score FROM engagement_observations e
    WHERE e.source = r.source AND e.external_id = r.external_id AND score IS NOT NULL
    ORDER BY observed_at DESC LIMIT 1) AS score,
  (SELECT comments FROM engagement_observations e
    WHERE e.source = r.source AND e.external_id = r.external_id AND comments IS NOT NULL
    ORDER BY observed_at DESC LIMIT 1) AS comments,
  (SELECT shares FROM engagement_observations e
    WHERE e.source = r.source AND e.external_id = r.external_id AND shares IS NOT NULL
    ORDER BY observed_at DESC LIMIT 1) AS shares,
  (SELECT views FROM engagement_observations e
    WHERE e.source = r.source AND e.external_id = r.external_id AND views IS NOT NULL
    ORDER BY observed_at DESC LIMIT 1) AS views
FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS r(source, external_id)) r`;

export class EngagementRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Stores each observation once (keyed by post and `observedAt`), in one statement; replaying
   * an update changes nothing. Posts need not be stored yet.
   *
   * @returns how many observations were new.
   */
  async recordMany(updates: readonly EngagementUpdate[]): Promise<number> {
    if (updates.length === 0) return 0;
    const rows = await this.db.query(
      `INSERT INTO engagement_observations (source, external_id, observed_at, score, comments, shares, views)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
       ORDER BY 1, 2, 3
       ON CONFLICT (source, external_id, observed_at) DO NOTHING
       RETURNING 1`,
      [
        updates.map((u) => u.source),
        updates.map((u) => u.externalId),
        updates.map((u) => u.observedAt),
        updates.map((u) => u.engagement.score ?? null),
        updates.map((u) => u.engagement.comments ?? null),
        updates.map((u) => u.engagement.shares ?? null),
        updates.map((u) => u.engagement.views ?? null),
      ],
    );
    return rows.length;
  }

  /**
   * The latest known engagement of each post in `refs` that has any, keyed by `postKey`.
   * Each count is its latest observed value; `observedAt` is the latest observation's time.
   */
  async latestFor(refs: readonly PostRef[]): Promise<Map<string, ObservedEngagement>> {
    const latest = new Map<string, ObservedEngagement>();
    if (refs.length === 0) return latest;
    const rows = await this.db.query<LatestRow>(LATEST, [refs.map((r) => r.source), refs.map((r) => r.externalId)]);
    for (const row of rows) {
      if (row.observed_at === null) continue;
      const engagement: ObservedEngagement = { observedAt: isoString(row.observed_at) };
      if (row.score !== null) engagement.score = Number(row.score);
      if (row.comments !== null) engagement.comments = Number(row.comments);
      if (row.shares !== null) engagement.shares = Number(row.shares);
      if (row.views !== null) engagement.views = Number(row.views);
      latest.set(postKey({ source: row.source, externalId: row.external_id }), engagement);
    }
    return latest;
  }
}
