import { isoOrNull, isoString } from '../codec.js';
import type { Database } from '../database.js';

/** How a post came to join its story. */
export type StoryVia = 'origin' | 'text' | 'near-duplicate' | 'url' | 'repost' | 'passage';

export interface StoryMember {
  storyId: string;
  postId: string;
  via: StoryVia;
  /** The post's own createdAt (ISO): story windows run on the posts' time. */
  joinedAt: string;
}

export interface StoryMerge {
  from: string;
  into: string;
}

export interface StoryRecord {
  id: string;
  firstPostId: string;
  firstSeenAt: string;
  lastSeenAt: string | null;
  postCount: number;
  authorCount: number;
  communityCount: number;
}

export interface StoryPostRow {
  storyId: string;
  postId: string;
  source: string;
  externalId: string;
  authorId: string;
  authorHandle: string | null;
  authorCreatedAt: string | null;
  community: string | null;
  createdAt: string;
  via: StoryVia;
}

/** A post of a story as the behaviour signals read it (`windows`). */
export interface StoryWindowPost {
  postId: string;
  source: string;
  /** Only for the story's first appearance; null for the others. */
  externalId: string | null;
  authorId: string;
  authorCreatedAt: string | null;
  community: string | null;
  createdAt: string;
}

export interface WindowRequest {
  storyId: string;
  from: string;
  to: string;
}

export interface AuthorActivityRequest {
  source: string;
  authorId: string;
  storyId: string;
}

interface StoryRow {
  id: string;
  first_post_id: string;
  first_seen_at: Date | string;
  last_seen_at: Date | string | null;
  post_count: number;
  author_count: number;
  community_count: number;
}

interface WindowRow {
  story_id: string;
  post_id: string;
  source: string;
  author_id: string;
  author_created_at: Date | string | null;
  community: string | null;
  joined_at: Date | string;
  first_external_id: string | null;
}

interface PostRow {
  story_id: string;
  post_id: string;
  source: string;
  external_id: string;
  author_id: string;
  handle: string | null;
  author_created_at: Date | string | null;
  community: string | null;
  created_at: Date | string;
  via: StoryVia;
}

const STORY_COLUMNS = 'id::text, first_post_id::text, first_seen_at, last_seen_at, post_count, author_count, community_count';
const WINDOW_COLUMNS = 'sp.story_id::text, sp.post_id::text, sp.source, sp.author_id, sp.author_created_at, sp.community, sp.joined_at';
const POST_COLUMNS = `sp.story_id::text, p.id::text AS post_id, p.source, p.external_id, p.author_id, a.handle, a.created_at AS author_created_at,
  p.community, p.created_at, sp.via`;

/**
 * Stories as PostgreSQL keeps them: which posts carry the same content, the first appearance and
 * counts. The hot index that decides membership lives in Redis; this is the record.
 */
export class StoryRepository {
  constructor(private readonly db: Database) {}

  /**
   * Adds posts to their stories and folds merged stories into the surviving one (posts and
   * flags move; the merged row remembers where it went), then refreshes each touched story's
   * first appearance and counts. Idempotent: a post already in a story stays where it is.
   *
   * @returns the touched stories whose first appearance changed, with the new first post.
   */
  async attach(members: readonly StoryMember[], merges: readonly StoryMerge[] = []): Promise<Map<string, string>> {
    if (members.length === 0 && merges.length === 0) return new Map();
    return this.db.transaction(async (tx) => {
      const seeds = new Map<string, string>();
      for (const m of members) {
        const current = seeds.get(m.storyId);
        if (!current || m.joinedAt < current) seeds.set(m.storyId, m.joinedAt);
      }
      for (const merge of merges) if (!seeds.has(merge.into)) seeds.set(merge.into, new Date(0).toISOString());
      // A story is named after the post that started it, so its row may be new here.
      await tx.query(
        `INSERT INTO stories (id, first_post_id, first_seen_at)
         OVERRIDING SYSTEM VALUE
         SELECT s.id, s.id, s.t FROM unnest($1::bigint[], $2::timestamptz[]) AS s(id, t)
         ORDER BY s.id
         ON CONFLICT (id) DO NOTHING`,
        [[...seeds.keys()], [...seeds.values()]],
      );
      const touched = new Set(seeds.keys());
      for (const { from, into } of merges) {
        if (from === into) continue;
        await tx.query(`UPDATE story_posts SET story_id = $2 WHERE story_id = $1`, [from, into]);
        await tx.query(`UPDATE flags SET story_id = $2 WHERE story_id = $1`, [from, into]);
        await tx.query(`UPDATE stories SET merged_into = $2, post_count = 0, updated_at = now() WHERE id = $1`, [from, into]);
        touched.add(into);
      }
      if (members.length > 0) {
        await tx.query(
          `INSERT INTO story_posts (story_id, post_id, joined_at, via, source, author_id, community, author_created_at)
           SELECT m.story_id, m.post_id, m.joined_at, m.via, p.source, p.author_id, p.community, a.created_at
           FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::text[]) AS m(story_id, post_id, joined_at, via)
           JOIN posts p ON p.id = m.post_id
           LEFT JOIN authors a ON a.source = p.source AND a.id = p.author_id
           ON CONFLICT (post_id) DO NOTHING`,
          [members.map((m) => m.storyId), members.map((m) => m.postId), members.map((m) => m.joinedAt), members.map((m) => m.via)],
        );
        await tx.query(
          `UPDATE flags f SET story_id = sp.story_id FROM story_posts sp
           WHERE sp.post_id = f.post_id AND f.post_id = ANY($1::bigint[]) AND f.story_id IS DISTINCT FROM sp.story_id`,
          [members.map((m) => m.postId)],
        );
      }
      const before = await tx.query<{ id: string; first_post_id: string }>(`SELECT id::text, first_post_id::text FROM stories WHERE id = ANY($1::bigint[])`, [
        [...touched],
      ]);
      const after = await tx.query<{ id: string; first_post_id: string }>(
        `UPDATE stories s SET
           first_post_id = agg.first_post_id, first_seen_at = agg.first_seen_at, last_seen_at = agg.last_seen_at,
           post_count = agg.post_count, author_count = agg.author_count, community_count = agg.community_count, updated_at = now()
         FROM (
           SELECT sp.story_id,
             (array_agg(sp.post_id ORDER BY sp.joined_at, sp.post_id))[1] AS first_post_id,
             min(sp.joined_at) AS first_seen_at, max(sp.joined_at) AS last_seen_at,
             count(*) AS post_count, count(DISTINCT (sp.source, sp.author_id)) AS author_count, count(DISTINCT sp.community) AS community_count
           FROM story_posts sp
           WHERE sp.story_id = ANY($1::bigint[])
           GROUP BY sp.story_id
         ) agg
         WHERE s.id = agg.story_id
         RETURNING s.id::text, s.first_post_id::text`,
        [[...touched]],
      );
      const was = new Map(before.map((r) => [r.id, r.first_post_id]));
      const memberPosts = new Set(members.map((m) => m.postId));
      const changed = new Map<string, string>();
      for (const row of after) {
        // A story whose first post is one of the new members but was not before got an older post late.
        if (was.get(row.id) !== row.first_post_id && !(was.get(row.id) === row.id && memberPosts.has(row.id))) changed.set(row.id, row.first_post_id);
      }
      return changed;
    });
  }

  /** The story a story id now stands for, following merges. */
  async get(id: string): Promise<StoryRecord | null> {
    const rows = await this.db.query<StoryRow & { merged_into: string | null }>(
      `WITH RECURSIVE chain AS (
         SELECT s.*, 0 AS depth FROM stories s WHERE s.id = $1
         UNION ALL
         SELECT s.*, c.depth + 1 FROM stories s JOIN chain c ON s.id = c.merged_into WHERE c.depth < 50
       )
       SELECT ${STORY_COLUMNS}, merged_into::text FROM chain WHERE merged_into IS NULL LIMIT 1`,
      [id],
    );
    return rows[0] ? toStory(rows[0]) : null;
  }

  /**
   * Each story's posts inside its window, and always its first appearance, in time order: what
   * the behaviour signals read, from `story_posts` alone. Only the first appearance carries its
   * external id (to look up its traction).
   */
  async windows(requests: readonly WindowRequest[]): Promise<Map<string, { story: StoryRecord; posts: StoryWindowPost[] }>> {
    const result = new Map<string, { story: StoryRecord; posts: StoryWindowPost[] }>();
    if (requests.length === 0) return result;
    const ids = requests.map((r) => r.storyId);
    const stories = await this.db.query<StoryRow>(`SELECT ${STORY_COLUMNS} FROM stories WHERE id = ANY($1::bigint[])`, [ids]);
    for (const row of stories) result.set(row.id, { story: toStory(row), posts: [] });
    // The window is a range of the (story_id, joined_at) index; the first appearance, usually
    // outside it, is fetched on its own so that the range stays a range.
    const inWindow = await this.db.query<WindowRow>(
      `SELECT ${WINDOW_COLUMNS}, NULL AS first_external_id
       FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[]) AS r(story_id, t_from, t_to)
       JOIN story_posts sp ON sp.story_id = r.story_id AND sp.joined_at BETWEEN r.t_from AND r.t_to
       ORDER BY sp.story_id, sp.joined_at, sp.post_id`,
      [ids, requests.map((r) => r.from), requests.map((r) => r.to)],
    );
    const firsts = await this.db.query<WindowRow>(
      `SELECT ${WINDOW_COLUMNS}, p.external_id AS first_external_id
       FROM stories s
       JOIN story_posts sp ON sp.post_id = s.first_post_id AND sp.story_id = s.id
       JOIN posts p ON p.id = sp.post_id
       WHERE s.id = ANY($1::bigint[])`,
      [ids],
    );
    const firstOf = new Map(firsts.map((row) => [row.story_id, row]));
    for (const row of inWindow) {
      const first = firstOf.get(row.story_id);
      const posts = result.get(row.story_id)?.posts;
      if (!posts) continue;
      if (first && first.post_id === row.post_id) {
        firstOf.delete(row.story_id);
        posts.push(toWindowPost(first));
      } else {
        posts.push(toWindowPost(row));
      }
    }
    // A first appearance before the window: the earliest post, so it goes in front.
    for (const [storyId, first] of firstOf) result.get(storyId)?.posts.unshift(toWindowPost(first));
    return result;
  }

  /** The whole timeline of a story, oldest first (at most `limit` posts). */
  async timeline(storyId: string, limit = 1000): Promise<StoryPostRow[]> {
    const rows = await this.db.query<PostRow>(
      `SELECT ${POST_COLUMNS}
       FROM story_posts sp JOIN posts p ON p.id = sp.post_id
       LEFT JOIN authors a ON a.source = p.source AND a.id = p.author_id
       WHERE sp.story_id = $1
       ORDER BY p.created_at, p.id
       LIMIT $2`,
      [storyId, limit],
    );
    return rows.map(toPost);
  }

  /**
   * Whether each author's every stored post is in the given story, and if so how many there
   * are. An author who posted anything else is found at the first such post, so a prolific
   * account costs one look-up, not one per post it ever made.
   */
  async authorActivity(requests: readonly AuthorActivityRequest[]): Promise<Map<string, { onlyThisStory: boolean; posts: number }>> {
    const result = new Map<string, { onlyThisStory: boolean; posts: number }>();
    if (requests.length === 0) return result;
    const rows = await this.db.query<{ source: string; author_id: string; story_id: string; only_this_story: boolean; posts: string }>(
      `SELECT r.source, r.author_id, r.story_id::text, o.only_this_story,
         CASE WHEN o.only_this_story THEN (SELECT count(*) FROM posts p WHERE p.source = r.source AND p.author_id = r.author_id) ELSE 0 END AS posts
       FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS r(source, author_id, story_id)) r
       CROSS JOIN LATERAL (
         SELECT NOT EXISTS (
           SELECT 1 FROM posts p LEFT JOIN story_posts sp ON sp.post_id = p.id
           WHERE p.source = r.source AND p.author_id = r.author_id AND sp.story_id IS DISTINCT FROM r.story_id
         ) AS only_this_story
       ) o`,
      [requests.map((r) => r.source), requests.map((r) => r.authorId), requests.map((r) => r.storyId)],
    );
    for (const row of rows) result.set(activityKey(row.source, row.author_id, row.story_id), { onlyThisStory: row.only_this_story, posts: Number(row.posts) });
    return result;
  }

  /** The story of each post that has one. */
  async ofPosts(postIds: readonly string[]): Promise<Map<string, string>> {
    if (postIds.length === 0) return new Map();
    const rows = await this.db.query<{ post_id: string; story_id: string }>(
      `SELECT post_id::text, story_id::text FROM story_posts WHERE post_id = ANY($1::bigint[])`,
      [postIds],
    );
    return new Map(rows.map((r) => [r.post_id, r.story_id]));
  }

  /** The stories whose posts include one of these (source, externalId) refs. */
  async ofRefs(refs: readonly { source: string; externalId: string }[]): Promise<string[]> {
    if (refs.length === 0) return [];
    const rows = await this.db.query<{ story_id: string }>(
      `SELECT DISTINCT sp.story_id::text FROM unnest($1::text[], $2::text[]) AS r(source, external_id)
       JOIN posts p ON p.source = r.source AND p.external_id = r.external_id
       JOIN story_posts sp ON sp.post_id = p.id`,
      [refs.map((r) => r.source), refs.map((r) => r.externalId)],
    );
    return rows.map((r) => r.story_id);
  }

  /** The flags raised on each post of a story. */
  async flagIdsByPost(storyId: string): Promise<Map<string, string[]>> {
    const rows = await this.db.query<{ post_id: string; flag_ids: string[] }>(
      `SELECT post_id::text, array_agg(id::text ORDER BY id) AS flag_ids FROM flags WHERE story_id = $1 GROUP BY post_id`,
      [storyId],
    );
    return new Map(rows.map((r) => [r.post_id, r.flag_ids]));
  }

  /** Every post id of a story. */
  async postIds(storyId: string): Promise<string[]> {
    const rows = await this.db.query<{ post_id: string }>(`SELECT post_id::text FROM story_posts WHERE story_id = $1 ORDER BY joined_at, post_id`, [storyId]);
    return rows.map((r) => r.post_id);
  }
}

export function activityKey(source: string, authorId: string, storyId: string): string {
  return `${source}\u0000${authorId}\u0000${storyId}`;
}

function toStory(row: StoryRow): StoryRecord {
  return {
    id: row.id,
    firstPostId: row.first_post_id,
    firstSeenAt: isoString(row.first_seen_at),
    lastSeenAt: isoOrNull(row.last_seen_at),
    postCount: Number(row.post_count),
    authorCount: Number(row.author_count),
    communityCount: Number(row.community_count),
  };
}

function toWindowPost(row: WindowRow): StoryWindowPost {
  return {
    postId: row.post_id,
    source: row.source,
    externalId: row.first_external_id,
    authorId: row.author_id,
    authorCreatedAt: isoOrNull(row.author_created_at),
    community: row.community,
    createdAt: isoString(row.joined_at),
  };
}

function toPost(row: PostRow): StoryPostRow {
  return {
    storyId: row.story_id,
    postId: row.post_id,
    source: row.source,
    externalId: row.external_id,
    authorId: row.author_id,
    authorHandle: row.handle,
    authorCreatedAt: isoOrNull(row.author_created_at),
    community: row.community,
    createdAt: isoString(row.created_at),
    via: row.via,
  };
}

