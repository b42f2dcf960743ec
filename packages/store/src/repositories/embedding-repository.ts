import { packWords, toFloat32Array } from '../codec.js';
import type { Queryable } from '../database.js';

export interface EmbeddingEntry {
  /** Hash of the normalised text the vector embeds. */
  textHash: string;
  vector: Float32Array;
}

/**
 * Sentence vectors by model and normalised-text hash, shared by posts and passages: identical
 * text is embedded once, and rescans reuse stored vectors instead of running the model.
 */
export class EmbeddingRepository {
  constructor(private readonly db: Queryable) {}

  /** The stored vectors among `textHashes`, keyed by text hash; misses are left out. */
  async getMany(model: string, textHashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const vectors = new Map<string, Float32Array>();
    if (textHashes.length === 0) return vectors;
    const rows = await this.db.query<{ text_hash: string; vector: Uint8Array }>(
      `SELECT text_hash, vector FROM embeddings WHERE model = $1 AND text_hash = ANY($2::text[])`,
      [model, [...new Set(textHashes)]],
    );
    for (const row of rows) vectors.set(row.text_hash, toFloat32Array(row.vector));
    return vectors;
  }

  /**
   * Stores vectors not stored yet, in one statement. A vector already stored for the same model
   * and text is kept: the model is deterministic, so the two are the same.
   *
   * @returns how many vectors were new.
   */
  async putMany(model: string, entries: readonly EmbeddingEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const vectors = packWords(entries.map((e) => e.vector));
    const rows = await this.db.query(
      `INSERT INTO embeddings (model, text_hash, dim, vector)
       SELECT $1, text_hash, dim, substring($5::bytea FROM byte_offset + 1 FOR dim * 4)
       FROM unnest($2::text[], $3::int[], $4::int[]) AS t(text_hash, dim, byte_offset)
       ORDER BY text_hash
       ON CONFLICT (model, text_hash) DO NOTHING
       RETURNING 1`,
      [model, entries.map((e) => e.textHash), entries.map((e) => e.vector.length), vectors.offsets, vectors.blob],
    );
    return rows.length;
  }
}
