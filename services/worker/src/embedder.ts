import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '@undertow/config';
import type { EmbeddingProvider } from '@undertow/embed';
import { ThreadedEmbeddingProvider } from './threaded-embedder.js';

/**
 * Loads the local embedding model, or returns null — loudly — when there is none: the product
 * then runs its lexical and behavioural signals and records `model: none` on every score.
 */
export async function loadEmbedder(config: Readonly<Config>['model'], log: Logger): Promise<EmbeddingProvider | null> {
  if (!config.enabled) {
    log.warn('semantic matching is OFF (MODEL=none): only lexical, URL and behaviour signals will be scored');
    return null;
  }
  const dir = join(config.dir, config.name);
  if (!existsSync(join(dir, 'config.json'))) {
    log.warn(
      { modelDir: dir },
      `semantic matching is OFF: no model at ${dir}. Put an ONNX export of ${config.name} there (config.json, tokenizer.json, onnx/model${config.dtype === 'q8' ? '_quantized' : ''}.onnx) or set MODEL_DIR; scores record model "none" until then`,
    );
    return null;
  }
  // On a thread of its own, so that the model never waits for the rest of the pipeline.
  const provider = await ThreadedEmbeddingProvider.start({
    modelDir: config.dir,
    modelName: config.name,
    dtype: config.dtype,
    threads: config.threads,
    ...(config.maxTokens === null ? {} : { maxTokens: config.maxTokens }),
  });
  log.info({ model: provider.modelId, dimensions: provider.dimensions, maxTokens: provider.maxTokens, threads: config.threads }, 'embedding model loaded');
  return provider;
}
