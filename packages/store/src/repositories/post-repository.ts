import { postKey, type PostInput, type PostRef } from '@undertow/core';
import { distinctBy } from '../batch.js';
import { isId, isoString, packWords, toUint32Array } from '../codec.js';
import type { Queryable } from '../database.js';

/**
 * A post as the worker stores it: what the client sent plus what the worker derived.
 * `author` is stored as `author_id` only (the author's details go to `AuthorRepository`), and
 * `engagement` is ignored here (it goes to `EngagementRepository`).
 */
export type NewPost = PostInput & {
  /** Normalised URL keys of `urls`. */
  urlKeys: string[];
  /** Hash of the normalised text; also the embedding cache key. */
  textHash: string;
  /** MinHash signature of the text's shingles; null when the text has none. */
  minhash: Uint32Array | null;
};

export interface PostRecord {
  id: string;
  source: string;
  externalId: string;
  authorId: string;
  community: string | null;
  title: string | null;
  text: string;
  urls: string[];
  urlKeys: string[];
  lang: string | null;
  createdAt: string;
  repostOf: PostRef | null;
  textHash: string;
  minhash: Uint32Array | null;
  receivedAt: string;
}

export interface InsertedPost {
  id: string;
  source: string;
  externalId: string;
  /** False when the post was already stored: submitting it again changes nothing. */
  inserted: boolean;
}

export interface PostRangeQuery {
  /** Inclusive lower bound on the post's `createdAt`. */
  from?: string;
  /** Exclusive upper bound on the post's `createdAt`. */
  to?: string;
  /** Only ids above this one: the previous page's last id. */
  afterId?: string;
  limit: number;
}

interface PostRow {
  id: string;
  source: string;
  external_id: string;
  author_id: string;
  community: string | null;
  title: string | null;
  text: string;
  urls: string[];
  url_keys: string[];
  lang: string | null;
  created_at: Date;
  repost_of_source: string | null;
  repost_of_external_id: string | null;
  text_hash: string;
  minhash: Uint8Array | null;
  received_at: Date;
}

const POST_COLUMNS = `id, source, external_id, author_id, community, title, text, urls, url_keys, lang, created_at,
  repost_of_source, repost_of_external_id, text_hash, minhash, received_at`;

// One statement per batch. Array columns travel as one JSON text per row, since PostgreSQL
// arrays must be rectangular and unnest() cannot yield a text[] per row; signatures travel
// packed in one bytea (see codec.ts). Only a post that was
// not inserted is looked up (one unique-index probe each), in posts as they were before the
// statement: a batch of new posts costs no read of the table.
const INSERT_POSTS = `
WITH input AS (
  SELECT * FROM unnest(
    $1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
    $9::text[], $10::timestamptz[], $11::text[], $12::text[], $13::text[], $14::int[], $15::int[]
  ) AS t(source, external_id, author_id, community, title, text, urls, url_keys,
         lang, created_at, repost_of_source, repost_of_external_id, text_hash, minhash_offset, minhash_length)
), inserted AS (
  INSERT INTO posts (source, external_id, author_id, community, title, text, urls, url_keys,
                     lang, created_at, repost_of_source, repost_of_external_id, text_hash, minhash)
  SELECT source, external_id, author_id, community, title, text,
         ARRAY(SELECT jsonb_array_elements_text(urls::jsonb)),
         ARRAY(SELECT jsonb_array_elements_text(url_keys::jsonb)),
         lang, created_at, repost_of_source, repost_of_external_id, text_hash,
         substring($16::bytea FROM minhash_offset + 1 FOR minhash_length)
  FROM input
  ORDER BY source, external_id
  ON CONFLICT (source, external_id) DO NOTHING
  RETURNING id, source, external_id
)
SELECT i.source, i.external_id, ins.id IS NOT NULL AS inserted,
       coalesce(ins.id, (SELECT p.id FROM posts p WHERE p.source = i.source AND p.external_id = i.external_id)) AS id
FROM input i LEFT JOIN inserted ins USING (source, external_id)`;

const SELECT_IDS_BY_REF = `
SELECT p.id, p.source, p.external_id
FROM unnest($1::text[], $2::text[]) AS r(source, external_id)
JOIN posts p USING (source, external_id)`;

export class PostRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Stores the posts not stored yet, in one statement; posts already stored, or repeated
   * within the batch, are left as they are. Answers one entry per input post, in input order;
   * a repeat within the batch answers `inserted: false`.
   */
  async insertMany(posts: readonly NewPost[]): Promise<InsertedPost[]> {
    const batch = distinctBy(posts, postKey);
    if (batch.length === 0) return [];
    const minhashes = packWords(batch.map((p) => p.minhash));
    const rows = await this.db.query<{ id: string | null; source: string; external_id: string; inserted: boolean }>(INSERT_POSTS, [
      batch.map((p) => p.source),
      batch.map((p) => p.externalId),
      batch.map((p) => p.author.id),
      batch.map((p) => p.community ?? null),
      batch.map((p) => p.title ?? null),
      batch.map((p) => p.text),
      batch.map((p) => JSON.stringify(p.urls ?? [])),
      batch.map((p) => JSON.stringify(p.urlKeys)),
      batch.map((p) => p.lang ?? null),
      batch.map((p) => p.createdAt),
      batch.map((p) => p.repostOf?.source ?? null),
      batch.map((p) => p.repostOf?.externalId ?? null),
      batch.map((p) => p.textHash),
      minhashes.offsets,
      minhashes.lengths,
      minhashes.blob,
    ]);
    const found = new Map<string, { id: string; inserted: boolean }>();
    for (const r of rows) {
      if (r.id !== null) found.set(postKey({ source: r.source, externalId: r.external_id }), { id: r.id, inserted: r.inserted });
    }
    // A post another writer committed after this statement began was neither inserted nor
    // visible to it; it exists now, so one more look finds it.
    const missing = batch.filter((p) => !found.has(postKey(p)));
    if (missing.length > 0) {
      const late = await this.db.query<{ id: string; source: string; external_id: string }>(SELECT_IDS_BY_REF, [
        missing.map((p) => p.source),
        missing.map((p) => p.externalId),
      ]);
      for (const r of late) found.set(postKey({ source: r.source, externalId: r.external_id }), { id: r.id, inserted: false });
    }
    const answered = new Set<string>();
    return posts.map((p) => {
      const key = postKey(p);
      const row = found.get(key);
      if (!row) throw new Error(`post ${p.source}/${p.externalId} was neither inserted nor found`);
      const first = !answered.has(key);
      answered.add(key);
      return { id: row.id, source: p.source, externalId: p.externalId, inserted: row.inserted && first };
    });
  }

  async getByRef(source: string, externalId: string): Promise<PostRecord | null> {
    const rows = await this.db.query<PostRow>(`SELECT ${POST_COLUMNS} FROM posts WHERE source = $1 AND external_id = $2`, [
      source,
      externalId,
    ]);
    return rows[0] ? toPost(rows[0]) : null;
  }

  async getById(id: string): Promise<PostRecord | null> {
    if (!isId(id)) return null;
    const rows = await this.db.query<PostRow>(`SELECT ${POST_COLUMNS} FROM posts WHERE id = $1`, [id]);
    return rows[0] ? toPost(rows[0]) : null;
  }

  /** The stored posts among `ids`, in ascending id order; unknown ids are left out. */
  async getManyByIds(ids: readonly string[]): Promise<PostRecord[]> {
    const valid = ids.filter(isId);
    if (valid.length === 0) return [];
    const rows = await this.db.query<PostRow>(`SELECT ${POST_COLUMNS} FROM posts WHERE id = ANY($1::bigint[]) ORDER BY id`, [
      valid,
    ]);
    return rows.map(toPost);
  }

  /** One page of post ids in a `createdAt` range, in id order: the unit of a rescan. */
  async listIdsByTimeRange(query: PostRangeQuery): Promise<string[]> {
    const { where, params } = rangeFilter(query);
    const rows = await this.db.query<{ id: string }>(
      `SELECT id FROM posts ${where} ORDER BY id LIMIT $${params.length + 1}`,
      [...params, query.limit],
    );
    return rows.map((r) => r.id);
  }

  /** Like `listIdsByTimeRange`, with whole posts: one round trip per page of a rescan. */
  async listByTimeRange(query: PostRangeQuery): Promise<PostRecord[]> {
    const { where, params } = rangeFilter(query);
    const rows = await this.db.query<PostRow>(
      `SELECT ${POST_COLUMNS} FROM posts ${where} ORDER BY id LIMIT $${params.length + 1}`,
      [...params, query.limit],
    );
    return rows.map(toPost);
  }
}

// Only the bounds given become predicates, so the planner sees a plain range scan.
function rangeFilter(query: PostRangeQuery): { where: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (query.from !== undefined) {
    params.push(query.from);
    conditions.push(`created_at >= $${params.length}::timestamptz`);
  }
  if (query.to !== undefined) {
    params.push(query.to);
    conditions.push(`created_at < $${params.length}::timestamptz`);
  }
  if (query.afterId !== undefined) {
    params.push(query.afterId);
    conditions.push(`id > $${params.length}::bigint`);
  }
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

function toPost(row: PostRow): PostRecord {
  return {
    id: row.id,
    source: row.source,
    externalId: row.external_id,
    authorId: row.author_id,
    community: row.community,
    title: row.title,
    text: row.text,
    urls: row.urls,
    urlKeys: row.url_keys,
    lang: row.lang,
    createdAt: isoString(row.created_at),
    repostOf:
      row.repost_of_source !== null && row.repost_of_external_id !== null
        ? { source: row.repost_of_source, externalId: row.repost_of_external_id }
        : null,
    textHash: row.text_hash,
    minhash: row.minhash ? toUint32Array(row.minhash) : null,
    receivedAt: isoString(row.received_at),
  };
}
