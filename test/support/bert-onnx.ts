/**
 * Writes a BERT-shaped feature-extraction model with seeded random weights, laid out the way
 * transformers.js loads a model from a local directory:
 *
 * ```
 * <outDir>/<modelName>/config.json
 *                      tokenizer.json  tokenizer_config.json  (special_tokens_map.json, vocab.txt)
 *                      onnx/model.onnx
 *                      onnx/model_quantized.onnx   (with `quantize`; what dtype 'q8' loads)
 * ```
 *
 * The graph is the one PyTorch exports for `BertModel` (decomposed LayerNorm, Erf GELU, the
 * additive attention mask), so ONNX Runtime applies the same fusions and the model costs what
 * the real one of the same size costs. The weights mean nothing: similarity figures from it
 * only test plumbing, never quality.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { seededRandom } from '../../packages/cli/src/demo/stream.js';

const { onnx } = onnxProto;
type Onnx = typeof onnx;
type TensorProto = ReturnType<Onnx['TensorProto']['create']>;
type NodeProto = ReturnType<Onnx['NodeProto']['create']>;
type AttributeProto = ReturnType<Onnx['AttributeProto']['create']>;
type ValueInfoProto = ReturnType<Onnx['ValueInfoProto']['create']>;

const DataType = onnx.TensorProto.DataType;
const AttributeType = onnx.AttributeProto.AttributeType;

export interface BertArchitecture {
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  /** Rows of the word-embedding table; must cover every id the tokenizer emits. */
  vocabSize: number;
  maxPositions: number;
}

export const BERT_PRESETS = {
  /** For tests: generates in milliseconds. Its vocabulary is the tokenizer's. */
  tiny: { layers: 2, hidden: 32, heads: 2, intermediate: 64, maxPositions: 128 },
  /** all-MiniLM-L6-v2's architecture exactly: same parameter count, same cost per token. */
  minilm: { layers: 6, hidden: 384, heads: 12, intermediate: 1536, vocabSize: 30_522, maxPositions: 512 },
} as const satisfies Record<string, Omit<BertArchitecture, 'vocabSize'> & { vocabSize?: number }>;

export type BertPreset = keyof typeof BERT_PRESETS;

export interface GenerateBertOptions extends Partial<BertArchitecture> {
  /** Architecture defaults; explicit fields override it. Default `tiny`. */
  preset?: BertPreset;
  /** Folder name under `outDir`. Default `bert-<preset>`. */
  modelName?: string;
  /** Seed of the weights; the same options give byte-identical files. Default 1. */
  seed?: number;
  /**
   * A directory holding a real `tokenizer.json` and `tokenizer_config.json` (and optionally
   * `special_tokens_map.json`, `vocab.txt`) to copy. Default: generate a small WordPiece
   * vocabulary of common English words.
   */
  tokenizerDir?: string;
  /** Also write `onnx/model_quantized.onnx` (8-bit weights, dynamic activations). Default false. */
  quantize?: boolean;
}

export interface GeneratedBertModel {
  /** The directory to use as transformers.js `env.localModelPath`. */
  dir: string;
  modelName: string;
  /** `<dir>/<modelName>`. */
  modelDir: string;
  architecture: BertArchitecture;
  /** Sizes in bytes of the ONNX files written. */
  bytes: { fp32: number; q8?: number };
}

const LAYER_NORM_EPS = 1e-12;
const OPSET = 14;
const IR_VERSION = 8;

export async function generateBertModel(outDir: string, opts: GenerateBertOptions = {}): Promise<GeneratedBertModel> {
  const preset: BertPreset = opts.preset ?? 'tiny';
  const base: Omit<BertArchitecture, 'vocabSize'> & { vocabSize?: number } = BERT_PRESETS[preset];
  const modelName = opts.modelName ?? `bert-${preset}`;
  const modelDir = join(outDir, modelName);
  await mkdir(join(modelDir, 'onnx'), { recursive: true });

  const maxPositions = opts.maxPositions ?? base.maxPositions;
  const tokenizerVocab = opts.tokenizerDir
    ? await copyTokenizer(opts.tokenizerDir, modelDir, maxPositions)
    : await writeGeneratedTokenizer(modelDir, maxPositions);

  const arch: BertArchitecture = {
    layers: opts.layers ?? base.layers,
    hidden: opts.hidden ?? base.hidden,
    heads: opts.heads ?? base.heads,
    intermediate: opts.intermediate ?? base.intermediate,
    vocabSize: opts.vocabSize ?? base.vocabSize ?? tokenizerVocab,
    maxPositions,
  };
  checkArchitecture(arch, tokenizerVocab);

  await writeFile(join(modelDir, 'config.json'), JSON.stringify(bertConfig(arch, opts.seed ?? 1), null, 2) + '\n');

  const weights = randomWeights(arch, opts.seed ?? 1);
  const fp32 = encodeModel(buildGraph(arch, weights, false));
  await writeFile(join(modelDir, 'onnx', 'model.onnx'), fp32);
  const bytes: GeneratedBertModel['bytes'] = { fp32: fp32.byteLength };
  if (opts.quantize) {
    const q8 = encodeModel(buildGraph(arch, weights, true));
    await writeFile(join(modelDir, 'onnx', 'model_quantized.onnx'), q8);
    bytes.q8 = q8.byteLength;
  }
  return { dir: outDir, modelName, modelDir, architecture: arch, bytes };
}

function checkArchitecture(arch: BertArchitecture, tokenizerVocab: number): void {
  for (const [key, value] of Object.entries(arch)) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${key} must be a positive integer, got ${value}`);
  }
  if (arch.hidden % arch.heads !== 0) {
    throw new RangeError(`hidden (${arch.hidden}) must be a multiple of heads (${arch.heads})`);
  }
  if (arch.vocabSize < tokenizerVocab) {
    // A token id past the table's end makes Gather fail at run time, far from the cause.
    throw new RangeError(`vocabSize ${arch.vocabSize} is smaller than the tokenizer's vocabulary (${tokenizerVocab} ids)`);
  }
}

function bertConfig(arch: BertArchitecture, seed: number): Record<string, unknown> {
  return {
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: arch.hidden,
    num_hidden_layers: arch.layers,
    num_attention_heads: arch.heads,
    intermediate_size: arch.intermediate,
    hidden_act: 'gelu',
    max_position_embeddings: arch.maxPositions,
    type_vocab_size: 2,
    vocab_size: arch.vocabSize,
    layer_norm_eps: LAYER_NORM_EPS,
    pad_token_id: 0,
    position_embedding_type: 'absolute',
    initializer_range: 0.02,
    undertow_generated: { seed, note: 'random weights for tests and benchmarks; not a trained model' },
  };
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** Copies a real tokenizer; returns how many ids it can emit. */
async function copyTokenizer(fromDir: string, modelDir: string, maxPositions: number): Promise<number> {
  const tokenizerPath = join(fromDir, 'tokenizer.json');
  const configPath = join(fromDir, 'tokenizer_config.json');
  for (const path of [tokenizerPath, configPath]) {
    if (!(await exists(path))) throw new Error(`tokenizer file not found: ${path}`);
  }
  const tokenizer = JSON.parse(await readFile(tokenizerPath, 'utf8')) as {
    model?: { vocab?: Record<string, number> };
    added_tokens?: { id: number }[];
  };
  const ids = [...Object.values(tokenizer.model?.vocab ?? {}), ...(tokenizer.added_tokens ?? []).map((t) => t.id)];
  if (ids.length === 0) throw new Error(`${tokenizerPath} has no WordPiece vocabulary`);

  await copyInto(tokenizerPath, join(modelDir, 'tokenizer.json'));
  // Positions past the table's end would fail at run time, so the copy never claims more.
  const config = JSON.parse(await readFile(configPath, 'utf8')) as { model_max_length?: number };
  config.model_max_length = Math.min(config.model_max_length ?? maxPositions, maxPositions);
  await writeFile(join(modelDir, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
  for (const optional of ['special_tokens_map.json', 'vocab.txt']) {
    if (await exists(join(fromDir, optional))) await copyInto(join(fromDir, optional), join(modelDir, optional));
  }
  return Math.max(...ids) + 1;
}

/** Writes a lower-casing WordPiece tokenizer over common English words; returns its size. */
async function writeGeneratedTokenizer(modelDir: string, maxPositions: number): Promise<number> {
  const vocab = generatedVocabulary();
  const index = (token: string): number => vocab.indexOf(token);
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({
      id: index(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [index('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [index('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((token, id) => [token, id])),
    },
  };
  const config = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    do_basic_tokenize: true,
    tokenize_chinese_chars: true,
    strip_accents: null,
    clean_up_tokenization_spaces: true,
    model_max_length: maxPositions,
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    mask_token: '[MASK]',
  };
  const specialMap = { pad_token: '[PAD]', unk_token: '[UNK]', cls_token: '[CLS]', sep_token: '[SEP]', mask_token: '[MASK]' };
  await writeFile(join(modelDir, 'tokenizer.json'), JSON.stringify(tokenizer) + '\n');
  await writeFile(join(modelDir, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
  await writeFile(join(modelDir, 'special_tokens_map.json'), JSON.stringify(specialMap, null, 2) + '\n');
  await writeFile(join(modelDir, 'vocab.txt'), vocab.join('\n') + '\n');
  return vocab.length;
}

const COMMON_WORDS = `the of and to a in is it you that he was for on are with as i his they be at one have this
from or had by not word but what some we can out other were all there when up use your how said an each she which
do their time if will way about many then them write would like so these her long make thing see him two has look
more day could go come did number sound no most people my over know water than call first who may down side been
now find any new work part take get place made live where after back little only round man year came show every
good me give our under name very through just form sentence great think say help low line differ turn cause much
mean before move right boy old too same tell does set three want air well also play small end put home read hand
port large spell add even land here must big high such follow act why ask men change went light kind off need
house picture try us again animal point mother world near build self earth father head stand own page should
country found answer school grow study still learn plant cover food sun four between state keep eye never last let
thought city tree cross farm hard start might story saw far sea draw left late run don't while press close night
real life few north open seem together next white children begin got walk example ease paper group always music
those both mark often letter until mile river car feet care second book carry took science eat room friend began
idea fish mountain stop once base hear horse cut sure watch color face wood main enough plain girl usual young
ready above ever red list though feel talk bird soon body dog family direct pose leave song measure door product
black short numeral class wind question happen complete ship area half rock order fire south problem piece told
knew pass since top whole king space heard best hour better true during hundred five remember step early hold west
ground interest reach fast verb sing listen six table travel less morning ten simple several vowel toward war lay
against pattern slow center love person money serve appear road map rain rule govern pull cold notice voice unit
power town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest correct able
pound done beauty drive stood contain front teach week final gave green oh quick develop ocean warm free minute
strong special mind behind clear tail produce fact street inch multiply nothing course stay wheel full force blue
object decide surface deep moon island foot system busy test record boat common gold possible plane stead dry
wonder laugh thousand ago ran check game shape equate hot miss brought heat snow tire bring yes distant fill east
paint language among news report vote election police government president leak document trade talks secret
account post share video claim truth fake media video twitter reddit official minister party campaign poll crowd
protest attack report source story leaked original material community channel group military nuclear health
vaccine border crisis market bank economy tax law court judge senate congress vote voter fraud rigged breaking`;

const SUFFIXES = ['s', 'es', 'ed', 'ing', 'er', 'ers', 'est', 'ly', 'ion', 'tion', 'al', 'ment', 'ness', 'able', 'ful', 'less', 'y', 'en'];

function generatedVocabulary(): string[] {
  const chars = [...'abcdefghijklmnopqrstuvwxyz0123456789', ...`!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~`];
  const words = [...new Set(COMMON_WORDS.split(/\s+/).filter((w) => w.length > 1 && !w.includes("'")))];
  const vocab = [
    ...SPECIAL_TOKENS,
    ...chars,
    ...[...'abcdefghijklmnopqrstuvwxyz0123456789'].map((c) => `##${c}`),
    ...SUFFIXES.map((s) => `##${s}`),
    ...words,
  ];
  return [...new Set(vocab)];
}

/** Copies contents only: a read-only source must not make the copy read-only. */
async function copyInto(from: string, to: string): Promise<void> {
  await writeFile(to, await readFile(from));
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Weights

interface Weight {
  data: Float32Array;
  dims: number[];
}

interface LayerWeights {
  query: Weight;
  queryBias: Weight;
  key: Weight;
  keyBias: Weight;
  value: Weight;
  valueBias: Weight;
  output: Weight;
  outputBias: Weight;
  attentionNormGamma: Weight;
  attentionNormBeta: Weight;
  intermediate: Weight;
  intermediateBias: Weight;
  ffnOutput: Weight;
  ffnOutputBias: Weight;
  outputNormGamma: Weight;
  outputNormBeta: Weight;
}

interface BertWeights {
  word: Weight;
  position: Weight;
  tokenType: Weight;
  embeddingNormGamma: Weight;
  embeddingNormBeta: Weight;
  layers: LayerWeights[];
}

function randomWeights(arch: BertArchitecture, seed: number): BertWeights {
  const random = seededRandom(seed);
  // Uniform with BERT's initializer standard deviation (0.02): sqrt(3) * std bounds it.
  const uniform = (dims: number[], std: number, mean = 0): Weight => {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    const bound = std * Math.sqrt(3);
    for (let i = 0; i < data.length; i++) data[i] = mean + (random() * 2 - 1) * bound;
    return { data, dims };
  };
  const { hidden: h, intermediate: f } = arch;
  const matrix = (rows: number, cols: number): Weight => uniform([rows, cols], 0.02);
  const bias = (n: number): Weight => uniform([n], 0.01);
  const gamma = (): Weight => uniform([h], 0.05, 1);
  return {
    // Embedding rows get a larger spread so that different texts give clearly different vectors.
    word: uniform([arch.vocabSize, h], 0.5),
    position: uniform([arch.maxPositions, h], 0.05),
    tokenType: uniform([2, h], 0.05),
    embeddingNormGamma: gamma(),
    embeddingNormBeta: bias(h),
    layers: Array.from({ length: arch.layers }, () => ({
      query: matrix(h, h),
      queryBias: bias(h),
      key: matrix(h, h),
      keyBias: bias(h),
      value: matrix(h, h),
      valueBias: bias(h),
      output: matrix(h, h),
      outputBias: bias(h),
      attentionNormGamma: gamma(),
      attentionNormBeta: bias(h),
      intermediate: matrix(h, f),
      intermediateBias: bias(f),
      ffnOutput: matrix(f, h),
      ffnOutputBias: bias(h),
      outputNormGamma: gamma(),
      outputNormBeta: bias(h),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Graph

type AttributeValue = number | number[] | { float: number } | { tensor: TensorProto };

class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  /** Adds a node; returns its output names. */
  op(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputs = 1, name?: string): string[] {
    const nodeName = this.unique(name ?? opType);
    const outputNames = Array.from({ length: outputs }, (_, i) => (outputs === 1 ? `${nodeName}_output` : `${nodeName}_output_${i}`));
    this.nodes.push(
      onnx.NodeProto.create({
        name: nodeName,
        opType,
        input: inputs,
        output: outputNames,
        attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
      }),
    );
    return outputNames;
  }

  /** A one-output node, named output. */
  op1(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, name?: string): string {
    return this.op(opType, inputs, attributes, 1, name)[0]!;
  }

  /** Renames the output of the last node, so that a graph output gets its public name. */
  renameLastOutput(to: string): void {
    const last = this.nodes[this.nodes.length - 1]!;
    last.output = [to];
  }

  float(name: string, data: Float32Array | number[], dims: number[]): string {
    const array = data instanceof Float32Array ? data : Float32Array.from(data);
    return this.initializer(name, DataType.FLOAT, new Uint8Array(array.buffer, array.byteOffset, array.byteLength), dims);
  }

  int64(name: string, values: number[], dims: number[] = [values.length]): string {
    const array = BigInt64Array.from(values.map(BigInt));
    return this.initializer(name, DataType.INT64, new Uint8Array(array.buffer), dims);
  }

  int8(name: string, data: Int8Array, dims: number[]): string {
    return this.initializer(name, DataType.INT8, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dims);
  }

  private initializer(name: string, dataType: number, rawData: Uint8Array, dims: number[]): string {
    const unique = this.unique(name);
    this.initializers.push(onnx.TensorProto.create({ name: unique, dataType, rawData, dims }));
    return unique;
  }

  private unique(name: string): string {
    let candidate = name;
    while (this.used.has(candidate)) candidate = `${name}_${++this.counter}`;
    this.used.add(candidate);
    return candidate;
  }
}

function attribute(name: string, value: AttributeValue): AttributeProto {
  if (typeof value === 'number') return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value });
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: value });
  if ('float' in value) return onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f: value.float });
  return onnx.AttributeProto.create({ name, type: AttributeType.TENSOR, t: value.tensor });
}

function tensorInput(name: string, elemType: number, dims: (string | number)[]): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  });
}

/** Symmetric per-tensor int8, as ONNX Runtime's `quantize_dynamic` writes weights by default. */
function quantizeSymmetric(weight: Weight): { data: Int8Array; scale: number } {
  let max = 0;
  for (const v of weight.data) max = Math.max(max, Math.abs(v));
  const scale = max === 0 ? 1 : max / 127;
  const data = new Int8Array(weight.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(-127, Math.min(127, Math.round(weight.data[i]! / scale)));
  return { data, scale };
}

interface Graph {
  builder: GraphBuilder;
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
}

function buildGraph(arch: BertArchitecture, weights: BertWeights, quantized: boolean): Graph {
  const g = new GraphBuilder();
  const headSize = arch.hidden / arch.heads;

  const one = g.float('one', [1], []);
  const half = g.float('half', [0.5], []);
  const two = g.float('two', [2], []);
  const sqrt2 = g.float('sqrt2', [Math.SQRT2], []);
  const eps = g.float('layer_norm_eps', [LAYER_NORM_EPS], []);
  const attentionScale = g.float('attention_scale', [Math.sqrt(headSize)], []);
  const maskFill = g.float('mask_fill', [-3.4028234663852886e38], []);
  const splitHeads = g.int64('split_heads_shape', [0, 0, arch.heads, headSize]);
  const mergeHeads = g.int64('merge_heads_shape', [0, 0, arch.hidden]);

  // Activations are quantized once per tensor and shared by every MatMul that reads it.
  const quantizedActivations = new Map<string, [string, string, string]>();
  const linear = (x: string, weight: Weight, bias: Weight, name: string): string => {
    let product: string;
    if (!quantized) {
      product = g.op1('MatMul', [x, g.float(`${name}.weight`, weight.data, weight.dims)], {}, `${name}/MatMul`);
    } else {
      let q = quantizedActivations.get(x);
      if (!q) {
        const [xq, xScale, xZero] = g.op('DynamicQuantizeLinear', [x], {}, 3, `${name}/DynamicQuantizeLinear`);
        q = [xq!, xScale!, xZero!];
        quantizedActivations.set(x, q);
      }
      const w = quantizeSymmetric(weight);
      const wq = g.int8(`${name}.weight_quantized`, w.data, weight.dims);
      const wScale = g.float(`${name}.weight_scale`, [w.scale], []);
      const wZero = g.int8(`${name}.weight_zero_point`, new Int8Array(1), []);
      const scales = g.op1('Mul', [q[1], wScale], {}, `${name}/scales_mul`);
      const integer = g.op1('MatMulInteger', [q[0], wq, q[2], wZero], {}, `${name}/MatMulInteger`);
      const cast = g.op1('Cast', [integer], { to: DataType.FLOAT }, `${name}/Cast`);
      product = g.op1('Mul', [cast, scales], {}, `${name}/MatMul_quant`);
    }
    return g.op1('Add', [g.float(`${name}.bias`, bias.data, bias.dims), product], {}, `${name}/Add`);
  };

  const embedding = (table: Weight, ids: string, name: string): string => {
    if (!quantized) return g.op1('Gather', [g.float(name, table.data, table.dims), ids], {}, `${name}/Gather`);
    const q = quantizeSymmetric(table);
    const rows = g.op1('Gather', [g.int8(`${name}_quantized`, q.data, table.dims), ids], {}, `${name}/Gather`);
    const scale = g.float(`${name}_scale`, [q.scale], []);
    const zero = g.int8(`${name}_zero_point`, new Int8Array(1), []);
    return g.op1('DequantizeLinear', [rows, scale, zero], {}, `${name}/DequantizeLinear`);
  };

  // The decomposed form PyTorch exports; ONNX Runtime fuses it into LayerNormalization.
  const layerNorm = (x: string, gamma: Weight, beta: Weight, name: string): string => {
    const mean = g.op1('ReduceMean', [x], { axes: [-1], keepdims: 1 }, `${name}/ReduceMean`);
    const centred = g.op1('Sub', [x, mean], {}, `${name}/Sub`);
    const squared = g.op1('Pow', [centred, two], {}, `${name}/Pow`);
    const variance = g.op1('ReduceMean', [squared], { axes: [-1], keepdims: 1 }, `${name}/ReduceMean_1`);
    const shifted = g.op1('Add', [variance, eps], {}, `${name}/Add`);
    const std = g.op1('Sqrt', [shifted], {}, `${name}/Sqrt`);
    const normed = g.op1('Div', [centred, std], {}, `${name}/Div`);
    const scaled = g.op1('Mul', [normed, g.float(`${name}.weight`, gamma.data, gamma.dims)], {}, `${name}/Mul`);
    return g.op1('Add', [scaled, g.float(`${name}.bias`, beta.data, beta.dims)], {}, `${name}/Add_1`);
  };

  // Embeddings: word + token type + position (ids 0..seq-1 sliced from a constant row).
  const words = embedding(weights.word, 'input_ids', 'embeddings.word_embeddings.weight');
  const types = embedding(weights.tokenType, 'token_type_ids', 'embeddings.token_type_embeddings.weight');
  const inputShape = g.op1('Shape', ['input_ids'], {}, 'embeddings/Shape');
  const seqLength = g.op1('Slice', [inputShape, g.int64('one_i', [1]), g.int64('two_i', [2])], {}, 'embeddings/Slice_seq');
  const positionIds = g.op1(
    'Slice',
    [g.int64('embeddings.position_ids', [...Array(arch.maxPositions).keys()], [1, arch.maxPositions]), g.int64('zero_i', [0]), seqLength, g.int64('axis_1', [1])],
    {},
    'embeddings/Slice_positions',
  );
  const positions = embedding(weights.position, positionIds, 'embeddings.position_embeddings.weight');
  const summed = g.op1('Add', [g.op1('Add', [words, types], {}, 'embeddings/Add'), positions], {}, 'embeddings/Add_1');
  let hidden = layerNorm(summed, weights.embeddingNormGamma, weights.embeddingNormBeta, 'embeddings.LayerNorm');

  // Additive mask [batch, 1, 1, seq]: 0 where attended, the float minimum where padded.
  const mask4d = g.op1('Unsqueeze', ['attention_mask', g.int64('mask_axes', [1, 2])], {}, 'extended_mask/Unsqueeze');
  const maskFloat = g.op1('Cast', [mask4d], { to: DataType.FLOAT }, 'extended_mask/Cast');
  const inverted = g.op1('Sub', [one, maskFloat], {}, 'extended_mask/Sub');
  const additiveMask = g.op1('Mul', [inverted, maskFill], {}, 'extended_mask/Mul');

  weights.layers.forEach((layer, i) => {
    const p = `encoder.layer.${i}`;
    const heads = (x: string, perm: number[], name: string): string =>
      g.op1('Transpose', [g.op1('Reshape', [x, splitHeads], {}, `${name}/Reshape`)], { perm }, `${name}/Transpose`);
    const q = heads(linear(hidden, layer.query, layer.queryBias, `${p}.attention.self.query`), [0, 2, 1, 3], `${p}.attention.self.q`);
    const k = heads(linear(hidden, layer.key, layer.keyBias, `${p}.attention.self.key`), [0, 2, 3, 1], `${p}.attention.self.k`);
    const v = heads(linear(hidden, layer.value, layer.valueBias, `${p}.attention.self.value`), [0, 2, 1, 3], `${p}.attention.self.v`);
    const scores = g.op1('Div', [g.op1('MatMul', [q, k], {}, `${p}.attention.self/MatMul`), attentionScale], {}, `${p}.attention.self/Div`);
    const masked = g.op1('Add', [scores, additiveMask], {}, `${p}.attention.self/Add`);
    const probs = g.op1('Softmax', [masked], { axis: -1 }, `${p}.attention.self/Softmax`);
    const context = g.op1('MatMul', [probs, v], {}, `${p}.attention.self/MatMul_1`);
    const merged = g.op1(
      'Reshape',
      [g.op1('Transpose', [context], { perm: [0, 2, 1, 3] }, `${p}.attention.self/Transpose_3`), mergeHeads],
      {},
      `${p}.attention.self/Reshape_3`,
    );
    const attended = linear(merged, layer.output, layer.outputBias, `${p}.attention.output.dense`);
    const residual = g.op1('Add', [attended, hidden], {}, `${p}.attention.output/Add`);
    const afterAttention = layerNorm(residual, layer.attentionNormGamma, layer.attentionNormBeta, `${p}.attention.output.LayerNorm`);

    // GELU, erf form: x * 0.5 * (1 + erf(x / sqrt(2))), in PyTorch's export order.
    const up = linear(afterAttention, layer.intermediate, layer.intermediateBias, `${p}.intermediate.dense`);
    const erf = g.op1('Erf', [g.op1('Div', [up, sqrt2], {}, `${p}.intermediate.act/Div`)], {}, `${p}.intermediate.act/Erf`);
    const gate = g.op1('Add', [erf, one], {}, `${p}.intermediate.act/Add`);
    const gelu = g.op1('Mul', [g.op1('Mul', [up, gate], {}, `${p}.intermediate.act/Mul`), half], {}, `${p}.intermediate.act/Mul_1`);
    const down = linear(gelu, layer.ffnOutput, layer.ffnOutputBias, `${p}.output.dense`);
    const residual2 = g.op1('Add', [down, afterAttention], {}, `${p}.output/Add`);
    hidden = layerNorm(residual2, layer.outputNormGamma, layer.outputNormBeta, `${p}.output.LayerNorm`);
  });
  g.renameLastOutput('last_hidden_state');

  return {
    builder: g,
    inputs: ['input_ids', 'attention_mask', 'token_type_ids'].map((name) =>
      tensorInput(name, DataType.INT64, ['batch_size', 'sequence_length']),
    ),
    outputs: [tensorInput('last_hidden_state', DataType.FLOAT, ['batch_size', 'sequence_length', arch.hidden])],
  };
}

function encodeModel(graph: Graph): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'undertow-test-bert-onnx',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: 'main_graph',
      node: graph.builder.nodes,
      initializer: graph.builder.initializers,
      input: graph.inputs,
      output: graph.outputs,
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
