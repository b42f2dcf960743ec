/**
 * Turns texts into sentence embeddings. Vectors are mean-pooled over the attention mask and
 * L2-normalised, so the cosine of two vectors is their dot product.
 */
export interface EmbeddingProvider {
  /** Names the model and its precision, e.g. `local/all-MiniLM-L6-v2@q8`; stored with every signal. */
  readonly modelId: string;
  readonly dimensions: number;
  /** Tokens per text the model sees, special tokens included; longer texts are truncated. */
  readonly maxTokens: number;
  /** One vector per text, in the order given. */
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Tokens per text before truncation, special tokens included. */
  countTokens?(texts: string[]): number[];
  /** Releases the model; `embed` fails afterwards. */
  close(): Promise<void>;
}
