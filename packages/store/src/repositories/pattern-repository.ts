import { randomUUID } from 'node:crypto';
import {
  DEFAULT_THRESHOLDS,
  NotFoundError,
  type Passage,
  type Pattern,
  type PatternInput,
  type PatternKind,
  type PatternStatus,
  type Thresholds,
} from '@undertow/core';
import { isoString, packWords, toUint32Array } from '../codec.js';
import type { Database, Queryable } from '../database.js';

/** What a pattern says at one version: everything an edit can change. */
export interface PatternContent {
  kind: PatternKind;
  name: string;
  description: string | null;
  text: string | null;
  examples: string[];
  urls: string[];
  thresholds: Thresholds;
  tags: string[];
  params: Record<string, number | boolean | string>;
  active: boolean;
}

export interface PatternVersion {
  patternId: string;
  version: number;
  body: PatternContent;
  createdAt: string;
}

export interface PatternFilter {
  kind?: PatternKind;
  active?: boolean;
  status?: PatternStatus;
}

/** A passage as the indexer writes it, with the fingerprints that matching needs. */
export interface NewPassage {
  index: number;
  text: string;
  start: number;
  end: number;
  textHash: string;
  minhash: Uint32Array;
}

export type IndexedPassage = Passage & { textHash: string; minhash: Uint32Array };

/** Everything scoring matches against: the active, ready patterns and their current passages. */
export interface PatternIndex {
  patterns: Pattern[];
  passages: IndexedPassage[];
}

interface PatternRow {
  id: string;
  kind: PatternKind;
  name: string;
  description: string | null;
  version: number;
  status: PatternStatus;
  active: boolean;
  text: string | null;
  examples: string[];
  urls: string[];
  thresholds: Thresholds;
  tags: string[];
  params: Record<string, number | boolean | string>;
  created_at: Date;
  updated_at: Date;
}

interface PassageRow {
  id: string;
  pattern_id: string;
  pattern_version: number;
  idx: number;
  text: string;
  start_offset: number;
  end_offset: number;
  text_hash: string;
  minhash: Uint8Array;
}

const PATTERN_COLUMNS = `id, kind, name, description, version, status, active, text, examples, urls, thresholds, tags,
  params, created_at, updated_at`;

const CONTENT_PARAMS = `$2, $3, $4, $5, $6, $7::jsonb, $8::text[], $9::jsonb, $10::text[], $11::jsonb`;

export class PatternRepository {
  constructor(private readonly db: Database) {}

  /**
   * Stores a new pattern at version 1. Content patterns start `indexing` (their passages are
   * yet to be built); behaviour patterns have none and start `ready`.
   */
  async create(input: PatternInput): Promise<Pattern> {
    const content = contentFrom(input);
    const id = randomUUID();
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<PatternRow>(
        `INSERT INTO patterns (id, kind, name, description, active, text, examples, urls, thresholds, tags, params, version, status)
         VALUES ($1, ${CONTENT_PARAMS}, 1, $12)
         RETURNING ${PATTERN_COLUMNS}`,
        [id, ...contentParams(content), initialStatus(content.kind)],
      );
      await writeVersion(tx, id, 1, content);
      return toPattern(row!);
    });
  }

  /** The pattern, or null when it does not exist or was removed. */
  async get(id: string): Promise<Pattern | null> {
    const rows = await this.db.query<PatternRow>(
      `SELECT ${PATTERN_COLUMNS} FROM patterns WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    return rows[0] ? toPattern(rows[0]) : null;
  }

  /** Patterns not removed, oldest first. */
  async list(filter: PatternFilter = {}): Promise<Pattern[]> {
    const conditions = ['deleted_at IS NULL'];
    const params: unknown[] = [];
    if (filter.kind !== undefined) conditions.push(`kind = $${params.push(filter.kind)}`);
    if (filter.active !== undefined) conditions.push(`active = $${params.push(filter.active)}`);
    if (filter.status !== undefined) conditions.push(`status = $${params.push(filter.status)}`);
    const rows = await this.db.query<PatternRow>(
      `SELECT ${PATTERN_COLUMNS} FROM patterns WHERE ${conditions.join(' AND ')} ORDER BY created_at, id`,
      params,
    );
    return rows.map(toPattern);
  }

  /**
   * Applies the fields `patch` names (the others keep their values) as a new version. Content
   * patterns go back to `indexing` until their passages are rebuilt for that version.
   *
   * @throws NotFoundError when the pattern does not exist or was removed.
   */
  async update(id: string, patch: Partial<PatternInput>): Promise<Pattern> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx.query<PatternRow>(
        `SELECT ${PATTERN_COLUMNS} FROM patterns WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`,
        [id],
      );
      if (!current) throw new NotFoundError('pattern', id);
      const content = applyPatch(toPattern(current), patch);
      const version = current.version + 1;
      const [row] = await tx.query<PatternRow>(
        `UPDATE patterns SET (kind, name, description, active, text, examples, urls, thresholds, tags, params, version, status, updated_at)
           = (${CONTENT_PARAMS}, $12, $13, now())
         WHERE id = $1
         RETURNING ${PATTERN_COLUMNS}`,
        [id, ...contentParams(content), version, initialStatus(content.kind)],
      );
      await writeVersion(tx, id, version, content);
      return toPattern(row!);
    });
  }

  /**
   * Soft delete: the pattern stops matching and disappears from `get` and `list`; its versions
   * and the flags it raised stay.
   *
   * @throws NotFoundError when the pattern does not exist or was already removed.
   */
  async remove(id: string): Promise<void> {
    const rows = await this.db.query(
      `UPDATE patterns SET deleted_at = now(), active = false, updated_at = now()
       WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [id],
    );
    if (rows.length === 0) throw new NotFoundError('pattern', id);
  }

  /**
   * Sets the status of `version` if it is still the current one: an indexer that finishes after
   * the pattern was edited again must not mark the newer version ready.
   *
   * @returns whether the status was set.
   */
  async setStatus(id: string, version: number, status: PatternStatus): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE patterns SET status = $3, updated_at = now()
       WHERE id = $1 AND version = $2 AND deleted_at IS NULL RETURNING id`,
      [id, version, status],
    );
    return rows.length > 0;
  }

  /** Every version of a pattern (removed ones included), oldest first. */
  async versions(id: string): Promise<PatternVersion[]> {
    const rows = await this.db.query<{ pattern_id: string; version: number; body: PatternContent; created_at: Date }>(
      `SELECT pattern_id, version, body, created_at FROM pattern_versions WHERE pattern_id = $1 ORDER BY version`,
      [id],
    );
    return rows.map((r) => ({ patternId: r.pattern_id, version: r.version, body: r.body, createdAt: isoString(r.created_at) }));
  }

  /**
   * Replaces the passages of `version` (and drops those of older versions) if it is still the
   * current version of a pattern that exists.
   *
   * @returns whether the passages were written.
   */
  async replacePassages(patternId: string, version: number, passages: readonly NewPassage[]): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx.query<{ version: number }>(
        `SELECT version FROM patterns WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`,
        [patternId],
      );
      if (current?.version !== version) return false;
      await tx.query(`DELETE FROM passages WHERE pattern_id = $1`, [patternId]);
      if (passages.length > 0) {
        const minhashes = packWords(passages.map((p) => p.minhash));
        await tx.query(
          `INSERT INTO passages (pattern_id, pattern_version, idx, text, start_offset, end_offset, text_hash, minhash)
           SELECT $1, $2, idx, text, start_offset, end_offset, text_hash,
                  substring($10::bytea FROM minhash_offset + 1 FOR minhash_length)
           FROM unnest($3::int[], $4::text[], $5::int[], $6::int[], $7::text[], $8::int[], $9::int[])
             AS t(idx, text, start_offset, end_offset, text_hash, minhash_offset, minhash_length)`,
          [
            patternId,
            version,
            passages.map((p) => p.index),
            passages.map((p) => p.text),
            passages.map((p) => p.start),
            passages.map((p) => p.end),
            passages.map((p) => p.textHash),
            minhashes.offsets,
            minhashes.lengths,
            minhashes.blob,
          ],
        );
      }
      return true;
    });
  }

  /** The passages of one pattern's current version, in order. */
  async passages(patternId: string): Promise<IndexedPassage[]> {
    const rows = await this.db.query<PassageRow>(
      `SELECT s.id, s.pattern_id, s.pattern_version, s.idx, s.text, s.start_offset, s.end_offset, s.text_hash, s.minhash
       FROM passages s JOIN patterns p ON p.id = s.pattern_id AND p.version = s.pattern_version
       WHERE p.id = $1 AND p.deleted_at IS NULL
       ORDER BY s.idx`,
      [patternId],
    );
    return rows.map(toPassage);
  }

  /**
   * What scoring matches against, read in two statements: every active, ready pattern not
   * removed (behaviour patterns included), and the passages of their current versions.
   */
  async listIndexablePassages(): Promise<PatternIndex> {
    const patterns = await this.db.query<PatternRow>(
      `SELECT ${PATTERN_COLUMNS} FROM patterns
       WHERE active AND status = 'ready' AND deleted_at IS NULL
       ORDER BY created_at, id`,
    );
    const passages = await this.db.query<PassageRow>(
      `SELECT s.id, s.pattern_id, s.pattern_version, s.idx, s.text, s.start_offset, s.end_offset, s.text_hash, s.minhash
       FROM patterns p JOIN passages s ON s.pattern_id = p.id AND s.pattern_version = p.version
       WHERE p.active AND p.status = 'ready' AND p.deleted_at IS NULL
       ORDER BY p.created_at, p.id, s.idx`,
    );
    // A pattern edited between the two reads would have its passages without its new version,
    // or the reverse; keep only passages whose pattern and version were both read.
    const current = new Map(patterns.map((p) => [p.id, p.version]));
    return {
      patterns: patterns.map(toPattern),
      passages: passages.filter((s) => current.get(s.pattern_id) === s.pattern_version).map(toPassage),
    };
  }
}

function initialStatus(kind: PatternKind): PatternStatus {
  return kind === 'behaviour' ? 'ready' : 'indexing';
}

function contentFrom(input: PatternInput): PatternContent {
  return {
    kind: input.kind,
    name: input.name,
    description: input.description ?? null,
    text: input.text ?? null,
    examples: input.examples ?? [],
    urls: input.urls ?? [],
    thresholds: input.thresholds ?? DEFAULT_THRESHOLDS,
    tags: input.tags ?? [],
    params: input.params ?? {},
    active: input.active ?? true,
  };
}

function applyPatch(current: Pattern, patch: Partial<PatternInput>): PatternContent {
  return {
    kind: patch.kind ?? current.kind,
    name: patch.name ?? current.name,
    description: patch.description ?? current.description,
    text: patch.text ?? current.text,
    examples: patch.examples ?? current.examples,
    urls: patch.urls ?? current.urls,
    thresholds: patch.thresholds ?? current.thresholds,
    tags: patch.tags ?? current.tags,
    params: patch.params ?? current.params,
    active: patch.active ?? current.active,
  };
}

/** Parameters $2…$11 of CONTENT_PARAMS. jsonb goes as JSON text: `pg` would send a JS array as a PostgreSQL array. */
function contentParams(c: PatternContent): unknown[] {
  return [
    c.kind,
    c.name,
    c.description,
    c.active,
    c.text,
    JSON.stringify(c.examples),
    c.urls,
    JSON.stringify(c.thresholds),
    c.tags,
    JSON.stringify(c.params),
  ];
}

async function writeVersion(tx: Queryable, id: string, version: number, content: PatternContent): Promise<void> {
  await tx.query(`INSERT INTO pattern_versions (pattern_id, version, body) VALUES ($1, $2, $3::jsonb)`, [
    id,
    version,
    JSON.stringify(content),
  ]);
}

function toPattern(row: PatternRow): Pattern {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    description: row.description,
    version: row.version,
    status: row.status,
    active: row.active,
    text: row.text,
    examples: row.examples,
    urls: row.urls,
    thresholds: row.thresholds,
    tags: row.tags,
    params: row.params,
    createdAt: isoString(row.created_at),
    updatedAt: isoString(row.updated_at),
  };
}

function toPassage(row: PassageRow): IndexedPassage {
  return {
    id: row.id,
    patternId: row.pattern_id,
    patternVersion: row.pattern_version,
    index: row.idx,
    text: row.text,
    start: row.start_offset,
    end: row.end_offset,
    textHash: row.text_hash,
    minhash: toUint32Array(row.minhash),
  };
}
