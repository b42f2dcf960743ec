import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PreTrainedModel, PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import type { EmbeddingProvider } from './embedding-provider.js';
import { ModelLoadError, ModelNotFoundError } from './errors.js';

export type ModelDtype = 'fp32' | 'q8';

export interface TransformersProviderOptions {
  /** Directory holding one folder per model; becomes transformers.js `env.localModelPath`. */
  modelDir: string;
  /** The model's folder under `modelDir` (config.json, tokenizer files, onnx/model*.onnx). */
  modelName: string;
  /** `fp32` loads `onnx/model.onnx`; `q8` loads `onnx/model_quantized.onnx`. */
  dtype: ModelDtype;
  /** ONNX Runtime intra-op threads. Default: ONNX Runtime's choice (one per physical core). */
  threads?: number;
  /**
   * Tokens per text the model sees, special tokens included; longer texts are truncated.
   * Default: the model's maximum, at most 256.
   */
  maxTokens?: number;
  /** Texts per model call. Default 32. */
  batchSize?: number;
}

const DEFAULT_MAX_TOKENS = 256;
const DEFAULT_BATCH_SIZE = 32;
const MODEL_FILE: Record<ModelDtype, string> = { fp32: 'model.onnx', q8: 'model_quantized.onnx' };

type Transformers = typeof import('@huggingface/transformers');

/**
 * Loads a local feature-extraction model through transformers.js on ONNX Runtime. Nothing is
 * fetched from the network: a missing file fails here, naming the path.
 */
export async function loadTransformersProvider(options: TransformersProviderOptions): Promise<EmbeddingProvider> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  requirePositiveInteger('batchSize', batchSize);
  if (options.threads !== undefined) requirePositiveInteger('threads', options.threads);
  if (options.maxTokens !== undefined && !(Number.isInteger(options.maxTokens) && options.maxTokens >= 2)) {
    throw new RangeError(`maxTokens must be an integer of at least 2 (room for the special tokens), got ${options.maxTokens}`);
  }
  if (!(options.dtype in MODEL_FILE)) throw new RangeError(`dtype must be one of ${Object.keys(MODEL_FILE).join(', ')}, got ${options.dtype}`);

  const modelDir = resolve(options.modelDir);
  const modelPath = join(modelDir, options.modelName);
  await requirePath(modelDir, 'model directory', 'directory');
  await requirePath(modelPath, `model ${options.modelName}`, 'directory');
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', join('onnx', MODEL_FILE[options.dtype])]) {
    await requirePath(join(modelPath, file), `model file ${file} (${options.dtype})`, 'file');
  }

  // Imported here, not at the top: without a model the product never loads ONNX Runtime.
  const transformers = await import('@huggingface/transformers');
  const { tokenizer, model } = await withLoadLock(async () => {
    // transformers.js reads these globals during from_pretrained; the lock keeps two loads
    // from different directories from seeing each other's path.
    transformers.env.allowRemoteModels = false;
    transformers.env.allowLocalModels = true;
    transformers.env.localModelPath = modelDir;
    try {
      const tokenizer = await transformers.AutoTokenizer.from_pretrained(options.modelName, { local_files_only: true });
      const model = await transformers.AutoModel.from_pretrained(options.modelName, {
        local_files_only: true,
        device: 'cpu',
        dtype: options.dtype,
        session_options: {
          ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
          interOpNumThreads: 1,
          executionMode: 'sequential',
        },
      });
      return { tokenizer, model };
    } catch (cause) {
      throw new ModelLoadError(`could not load model ${options.modelName} (${options.dtype}) from ${modelPath}: ${message(cause)}`, {
        cause,
        path: modelPath,
      });
    }
  });

  const modelMax = Math.min(
    positiveOr((model.config as unknown as Record<string, unknown>).max_position_embeddings, Infinity),
    positiveOr(tokenizer.model_max_length, Infinity),
  );
  const maxTokens = options.maxTokens ?? Math.min(modelMax, DEFAULT_MAX_TOKENS);
  if (maxTokens > modelMax) {
    await model.dispose();
    throw new RangeError(`maxTokens ${maxTokens} exceeds the maximum of model ${options.modelName} (${modelMax})`);
  }

  const provider = new TransformersEmbeddingProvider(transformers, tokenizer, model, {
    modelId: `local/${options.modelName}@${options.dtype}`,
    maxTokens,
    batchSize,
  });
  try {
    await provider.probe();
  } catch (cause) {
    await model.dispose();
    throw new ModelLoadError(`model ${options.modelName} (${options.dtype}) at ${modelPath} loaded but does not run: ${message(cause)}`, {
      cause,
      path: modelPath,
    });
  }
  return provider;
}

class TransformersEmbeddingProvider implements EmbeddingProvider {
  readonly modelId: string;
  readonly maxTokens: number;
  private width = 0;
  private readonly batchSize: number;
  private readonly specialIds: Set<number>;
  private readonly padId: number;
  /** Model calls run one at a time: concurrent runs would fight over the same cores. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly transformers: Transformers,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
    options: { modelId: string; maxTokens: number; batchSize: number },
  ) {
    this.modelId = options.modelId;
    this.maxTokens = options.maxTokens;
    this.batchSize = options.batchSize;
    this.specialIds = new Set(tokenizer.all_special_ids);
    this.padId = tokenizer.pad_token_id ?? 0;
  }

  /** Runs one text to learn the width and to fail at load time, not on the first post. */
  async probe(): Promise<void> {
    const [ids] = this.tokenize(['probe']);
    const { hidden, width } = await this.run([ids!]);
    if (!(width > 0) || hidden.length !== ids!.length * width) {
      throw new Error(`unexpected last_hidden_state of ${hidden.length} values for ${ids!.length} tokens`);
    }
    this.width = width;
  }

  get dimensions(): number {
    return this.width;
  }

  countTokens(texts: string[]): number[] {
    return texts.map((text) => this.tokenizer.encode(text).length);
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(new Error(`embedding provider ${this.modelId} is closed`));
    const result = this.queue.then(() => this.embedNow(texts));
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.model.dispose();
  }

  private async embedNow(texts: string[]): Promise<Float32Array[]> {
    const tokenized = this.tokenize(texts);
    // Similar lengths share a call so that little compute goes to padding.
    const order = tokenized.map((_, i) => i).sort((a, b) => tokenized[a]!.length - tokenized[b]!.length);
    const vectors = new Array<Float32Array>(texts.length);
    for (let start = 0; start < order.length; start += this.batchSize) {
      const bucket = order.slice(start, start + this.batchSize);
      const pooled = await this.embedBatch(bucket.map((i) => tokenized[i]!));
      bucket.forEach((textIndex, row) => (vectors[textIndex] = pooled[row]!));
    }
    return vectors;
  }

  private tokenize(texts: string[]): number[][] {
    return texts.map((text) => {
      const ids = this.tokenizer.encode(text);
      if (ids.length <= this.maxTokens) return ids;
      // Keep the closing special token ([SEP]) as the model was trained to see one.
      const last = ids[ids.length - 1]!;
      return this.specialIds.has(last) ? [...ids.slice(0, this.maxTokens - 1), last] : ids.slice(0, this.maxTokens);
    });
  }

  /**
   * Mean pooling over each text's own tokens (padding is on the right), then L2 norm. The sum
   * stands in for the mean: dividing by the token count would not survive the normalisation.
   */
  private async embedBatch(batch: number[][]): Promise<Float32Array[]> {
    const { hidden, width, seqLength } = await this.run(batch);
    return batch.map((ids, row) => {
      const vector = new Float32Array(width);
      const base = row * seqLength * width;
      for (let t = 0; t < ids.length; t++) {
        const offset = base + t * width;
        for (let d = 0; d < width; d++) vector[d] = vector[d]! + hidden[offset + d]!;
      }
      let norm = 0;
      for (let d = 0; d < width; d++) norm += vector[d]! * vector[d]!;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let d = 0; d < width; d++) vector[d] = vector[d]! * scale;
      return vector;
    });
  }

  private async run(batch: number[][]): Promise<{ hidden: Float32Array; width: number; seqLength: number }> {
    const { Tensor } = this.transformers;
    const seqLength = Math.max(...batch.map((ids) => ids.length));
    const size = batch.length * seqLength;
    const inputIds = new BigInt64Array(size).fill(BigInt(this.padId));
    const attentionMask = new BigInt64Array(size);
    batch.forEach((ids, row) => {
      for (let t = 0; t < ids.length; t++) {
        inputIds[row * seqLength + t] = BigInt(ids[t]!);
        attentionMask[row * seqLength + t] = 1n;
      }
    });
    const dims = [batch.length, seqLength];
    // token_type_ids is all zeros for single sentences; transformers.js drops inputs a model lacks.
    const outputs = (await this.model({
      input_ids: new Tensor('int64', inputIds, dims),
      attention_mask: new Tensor('int64', attentionMask, dims),
      token_type_ids: new Tensor('int64', new BigInt64Array(size), dims),
    })) as Record<string, Tensor | undefined>;
    const state = outputs.last_hidden_state ?? outputs.token_embeddings;
    if (!state || !(state.data instanceof Float32Array) || state.dims.length !== 3) {
      throw new Error(`model gave no float32 last_hidden_state [batch, seq, hidden] (outputs: ${Object.keys(outputs).join(', ')})`);
    }
    return { hidden: state.data, width: state.dims[2]!, seqLength };
  }
}

let loadLock: Promise<unknown> = Promise.resolve();

function withLoadLock<T>(load: () => Promise<T>): Promise<T> {
  const result = loadLock.then(load);
  loadLock = result.catch(() => undefined);
  return result;
}

async function requirePath(path: string, what: string, kind: 'file' | 'directory'): Promise<void> {
  let isRightKind: boolean;
  try {
    const stats = await stat(path);
    isRightKind = kind === 'file' ? stats.isFile() : stats.isDirectory();
  } catch {
    throw new ModelNotFoundError(path, what);
  }
  if (!isRightKind) throw new ModelNotFoundError(path, `${what} (expected a ${kind})`);
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

function positiveOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && value > 0 ? value : fallback;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
