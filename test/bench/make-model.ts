/**
 * Writes a generated BERT model for benchmarks:
 *
 *   tsx test/bench/make-model.ts --preset minilm --out .cache/models [--tokenizer <dir>] [--quantize]
 *                                [--name <modelName>] [--seed <n>]
 *
 * `--tokenizer` copies a real tokenizer (e.g. ../shared/data/tokenizer/all-MiniLM-L6-v2);
 * without it a small WordPiece vocabulary is generated.
 */
import { parseArgs } from 'node:util';
import { BERT_PRESETS, generateBertModel, type BertPreset } from '../support/bert-onnx.js';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'minilm' },
    out: { type: 'string', default: '.cache/models' },
    tokenizer: { type: 'string' },
    quantize: { type: 'boolean', default: false },
    name: { type: 'string' },
    seed: { type: 'string' },
  },
});

const preset = values.preset;
if (!preset || !(preset in BERT_PRESETS)) {
  console.error(`--preset must be one of: ${Object.keys(BERT_PRESETS).join(', ')}`);
  process.exit(2);
}
const seed = values.seed === undefined ? undefined : Number(values.seed);
if (seed !== undefined && !Number.isInteger(seed)) {
  console.error(`--seed must be an integer, got ${values.seed}`);
  process.exit(2);
}

const started = performance.now();
const model = await generateBertModel(values.out, {
  preset: preset as BertPreset,
  modelName: values.name,
  tokenizerDir: values.tokenizer,
  quantize: values.quantize,
  seed,
});
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
console.log(
  `wrote ${model.modelDir} in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
    `model.onnx ${mb(model.bytes.fp32)}` +
    (model.bytes.q8 === undefined ? '' : `, model_quantized.onnx ${mb(model.bytes.q8)}`) +
    ` (${JSON.stringify(model.architecture)})`,
);
