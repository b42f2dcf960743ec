import type { AuthorInput } from '@undertow/core';
import { isoOrNull, isoString, numberOrNull } from '../codec.js';
import type { Queryable } from '../database.js';

/** An author as posts carry it, with the platform it belongs to. */
export type SourcedAuthor = AuthorInput & { source: string };

export interface AuthorRef {
  source: string;
  id: string;
}

export interface AuthorRecord {
  source: string;
  id: string;
  handle: string | null;
  /** When the account was made, when the platform says. */
  createdAt: string | null;
  followers: number | null;
  karma: number | null;
  /** When Undertow first stored the author. */
  firstSeenAt: string;
}

interface AuthorRow {
  source: string;
  id: string;
  handle: string | null;
  created_at: Date | null;
  followers: string | null;
  karma: string | null;
  first_seen_at: Date;
}

// A field is only overwritten by a known value, and a row is only written when something
// changed: the same author arrives with every post, and most of those upserts change nothing.
const UPSERT_AUTHORS = `
INSERT INTO authors AS a (source, id, handle, created_at, followers, karma)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[], $6::bigint[])
  AS t(source, id, handle, created_at, followers, karma)
ORDER BY source, id
ON CONFLICT (source, id) DO UPDATE SET
  handle = coalesce(excluded.handle, a.handle),
  created_at = coalesce(excluded.created_at, a.created_at),
  followers = coalesce(excluded.followers, a.followers),
  karma = coalesce(excluded.karma, a.karma)
WHERE (excluded.handle IS NOT NULL AND excluded.handle IS DISTINCT FROM a.handle)
   OR (excluded.created_at IS NOT NULL AND excluded.created_at IS DISTINCT FROM a.created_at)
   OR (excluded.followers IS NOT NULL AND excluded.followers IS DISTINCT FROM a.followers)
   OR (excluded.karma IS NOT NULL AND excluded.karma IS DISTINCT FROM a.karma)`;

export class AuthorRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts new authors and fills in what is newly known of stored ones, in one statement. */
  async upsertMany(authors: readonly SourcedAuthor[]): Promise<void> {
    const merged = mergeByAuthor(authors);
    if (merged.length === 0) return;
    await this.db.query(UPSERT_AUTHORS, [
      merged.map((a) => a.source),
      merged.map((a) => a.id),
      merged.map((a) => a.handle ?? null),
      merged.map((a) => a.createdAt ?? null),
      merged.map((a) => a.followers ?? null),
      merged.map((a) => a.karma ?? null),
    ]);
  }

  async get(source: string, id: string): Promise<AuthorRecord | null> {
    const [author] = await this.getMany([{ source, id }]);
    return author ?? null;
  }

  /** The stored authors among `refs`; unknown ones are left out. */
  async getMany(refs: readonly AuthorRef[]): Promise<AuthorRecord[]> {
    if (refs.length === 0) return [];
    const rows = await this.db.query<AuthorRow>(
      `SELECT a.source, a.id, a.handle, a.created_at, a.followers, a.karma, a.first_seen_at
       FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS r(source, id)) r
       JOIN authors a USING (source, id)
       ORDER BY a.source, a.id`,
      [refs.map((r) => r.source), refs.map((r) => r.id)],
    );
    return rows.map((row) => ({
      source: row.source,
      id: row.id,
      handle: row.handle,
      createdAt: isoOrNull(row.created_at),
      followers: numberOrNull(row.followers),
      karma: numberOrNull(row.karma),
      firstSeenAt: isoString(row.first_seen_at),
    }));
  }
}

/** One entry per author; a later mention's known fields win over an earlier one's. */
function mergeByAuthor(authors: readonly SourcedAuthor[]): SourcedAuthor[] {
  const byKey = new Map<string, SourcedAuthor>();
  for (const author of authors) {
    const key = `${author.source}\u0000${author.id}`;
    const seen = byKey.get(key);
    byKey.set(
      key,
      seen
        ? {
            source: author.source,
            id: author.id,
            handle: author.handle ?? seen.handle,
            createdAt: author.createdAt ?? seen.createdAt,
            followers: author.followers ?? seen.followers,
            karma: author.karma ?? seen.karma,
          }
        : author,
    );
  }
  return [...byKey.values()];
}
