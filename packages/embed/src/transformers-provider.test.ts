import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateBertModel } from '../../../test/support/bert-onnx.js';
import { ensureTinyModel, type TinyModel } from '../../../test/support/model-fixture.js';
import { dot } from './cosine.js';
import type { EmbeddingProvider } from './embedding-provider.js';
import { ModelNotFoundError } from './errors.js';
import { loadTransformersProvider } from './transformers-provider.js';

const WORDS = 'the leaked trade document was posted again by new accounts in many communities within two hours'.split(' ');

function words(count: number, offset = 0): string {
  return Array.from({ length: count }, (_, i) => WORDS[(i + offset) % WORDS.length]).join(' ');
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i]!)), 0);
}

let tiny: TinyModel;
let provider: EmbeddingProvider;
const scratch: string[] = [];

beforeAll(async () => {
  tiny = await ensureTinyModel();
  provider = await loadTransformersProvider({ modelDir: tiny.dir, modelName: tiny.modelName, dtype: 'fp32', threads: 1, batchSize: 2 });
});

afterAll(async () => {
  await provider.close();
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'undertow-embed-test-'));
  scratch.push(dir);
  return dir;
}

describe('loadTransformersProvider with a generated BERT', () => {
  test('gives unit vectors as wide as the hidden size, named after the model and dtype', async () => {
    const [vector] = await provider.embed(['a leaked document posted again']);
    expect(provider.dimensions).toBe(32);
    expect(provider.modelId).toBe(`local/${tiny.modelName}@fp32`);
    expect(vector).toHaveLength(32);
    expect(dot(vector!, vector!)).toBeCloseTo(1, 5);
  });

  test('identical text gives the identical vector, in one call and across calls', async () => {
    const text = words(12);
    const [a, b] = await provider.embed([text, text]);
    const [c] = await provider.embed([text]);
    expect(maxAbsDiff(a!, b!)).toBeLessThan(1e-6);
    expect(maxAbsDiff(a!, c!)).toBeLessThan(1e-6);
  });

  test('a separately loaded provider gives the same vectors', async () => {
    const other = await loadTransformersProvider({ modelDir: tiny.dir, modelName: tiny.modelName, dtype: 'fp32', threads: 1 });
    try {
      const texts = [words(5), words(30, 3)];
      const mine = await provider.embed(texts);
      const theirs = await other.embed(texts);
      mine.forEach((v, i) => expect(maxAbsDiff(v, theirs[i]!)).toBeLessThan(1e-5));
    } finally {
      await other.close();
    }
  });

  test('returns vectors in input order although texts run sorted by length, padded per bucket', async () => {
    const texts = [words(40), words(3, 1), words(20, 2), words(1, 3), words(60, 4)];
    const together = await provider.embed(texts);
    const alone = await Promise.all(texts.map(async (t) => (await provider.embed([t]))[0]!));
    together.forEach((v, i) => expect(maxAbsDiff(v, alone[i]!)).toBeLessThan(1e-5));
    // Different texts really are different here, so a permutation could not pass.
    expect(dot(together[0]!, together[1]!)).toBeLessThan(0.999);
  });

  test('truncates long texts to maxTokens: only the first tokens count', async () => {
    const short = await loadTransformersProvider({ modelDir: tiny.dir, modelName: tiny.modelName, dtype: 'fp32', maxTokens: 16 });
    try {
      const sameStart = [`${words(20)} ${words(50, 5)}`, `${words(20)} ${words(50, 9)}`];
      expect(short.maxTokens).toBe(16);
      expect(short.countTokens!(sameStart).every((n) => n > 16)).toBe(true);
      const [a, b] = await short.embed(sameStart);
      expect(maxAbsDiff(a!, b!)).toBeLessThan(1e-6);
      const [c, d] = await provider.embed(sameStart);
      expect(dot(c!, d!)).toBeLessThan(0.9999);
    } finally {
      await short.close();
    }
  });

  test('defaults maxTokens to the model maximum and embeds texts far longer than it', async () => {
    expect(provider.maxTokens).toBe(128);
    const [vector] = await provider.embed([words(1000)]);
    expect(dot(vector!, vector!)).toBeCloseTo(1, 5);
  });

  test('embeds an empty list and an empty text', async () => {
    expect(await provider.embed([])).toEqual([]);
    const [vector] = await provider.embed(['']);
    expect(dot(vector!, vector!)).toBeCloseTo(1, 5);
  });

  test('refuses a maxTokens above what the model supports', async () => {
    await expect(
      loadTransformersProvider({ modelDir: tiny.dir, modelName: tiny.modelName, dtype: 'fp32', maxTokens: 4096 }),
    ).rejects.toThrow(/maxTokens 4096 exceeds the maximum of model tiny-bert \(128\)/);
  });

  test('loads the 8-bit model, whose vectors stay close to fp32', async () => {
    const q8 = await loadTransformersProvider({ modelDir: tiny.dir, modelName: tiny.modelName, dtype: 'q8', threads: 1 });
    try {
      const texts = [words(8), words(25, 2)];
      const quantized = await q8.embed(texts);
      const full = await provider.embed(texts);
      expect(q8.modelId).toBe(`local/${tiny.modelName}@q8`);
      expect(q8.dimensions).toBe(32);
      quantized.forEach((v, i) => {
        expect(dot(v, v)).toBeCloseTo(1, 5);
        expect(dot(v, full[i]!)).toBeGreaterThan(0.98);
      });
    } finally {
      await q8.close();
    }
  });

  test('fails once closed', async () => {
    const closing = await loadTransformersProvider({ modelDir: tiny.dir, modelName: tiny.modelName, dtype: 'fp32' });
    await closing.close();
    await expect(closing.embed(['x'])).rejects.toThrow(/closed/);
  });
});

describe('loadTransformersProvider without a model', () => {
  test('names the missing model directory', async () => {
    const dir = join(await scratchDir(), 'no-such-models');
    const loading = loadTransformersProvider({ modelDir: dir, modelName: 'all-MiniLM-L6-v2', dtype: 'fp32' });
    await expect(loading).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(loading).rejects.toThrow(`model directory not found: ${dir}`);
  });

  test('names the missing model folder', async () => {
    const loading = loadTransformersProvider({ modelDir: tiny.dir, modelName: 'no-such-model', dtype: 'fp32' });
    await expect(loading).rejects.toThrow(`model no-such-model not found: ${join(tiny.dir, 'no-such-model')}`);
  });

  test('names the missing 8-bit file when only fp32 was made', async () => {
    const dir = await scratchDir();
    await generateBertModel(dir, { preset: 'tiny', modelName: 'fp32-only' });
    const loading = loadTransformersProvider({ modelDir: dir, modelName: 'fp32-only', dtype: 'q8' });
    await expect(loading).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
      path: join(dir, 'fp32-only', 'onnx', 'model_quantized.onnx'),
    });
  });

  test('names the model when its ONNX file is corrupt', async () => {
    const dir = await scratchDir();
    const model = await generateBertModel(dir, { preset: 'tiny', modelName: 'corrupt' });
    await writeFile(join(model.modelDir, 'onnx', 'model.onnx'), 'not an onnx model');
    const loading = loadTransformersProvider({ modelDir: dir, modelName: 'corrupt', dtype: 'fp32' });
    await expect(loading).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    await expect(loading).rejects.toThrow(`could not load model corrupt (fp32) from ${join(dir, 'corrupt')}`);
  });
});

describe('generateBertModel', () => {
  test('writes byte-identical models for the same seed', async () => {
    const [a, b] = [await scratchDir(), await scratchDir()];
    await generateBertModel(a, { preset: 'tiny', seed: 3, quantize: true });
    await generateBertModel(b, { preset: 'tiny', seed: 3, quantize: true });
    for (const file of ['onnx/model.onnx', 'onnx/model_quantized.onnx', 'tokenizer.json']) {
      const [x, y] = await Promise.all([readFile(join(a, 'bert-tiny', file)), readFile(join(b, 'bert-tiny', file))]);
      expect(x.equals(y)).toBe(true);
    }
  });
});
