import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateBertModel } from './bert-onnx.js';

export interface TinyModel {
  /** The directory to pass as `modelDir` (transformers.js `env.localModelPath`). */
  dir: string;
  modelName: string;
}

let tinyModel: Promise<TinyModel> | undefined;

/**
 * The `tiny` generated BERT (fp32 and q8, generated tokenizer) in a temp dir, made once per
 * process and removed when the process exits.
 */
export function ensureTinyModel(): Promise<TinyModel> {
  tinyModel ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'undertow-tiny-bert-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const model = await generateBertModel(dir, { preset: 'tiny', modelName: 'tiny-bert', quantize: true, seed: 7 });
    return { dir: model.dir, modelName: model.modelName };
  })();
  return tinyModel;
}
