/**
 * Throughput of the lexical features and of PatternIndex.score on real text.
 *
 *   npx tsx --conditions=source packages/detect/bench/throughput.ts ../shared/data
 *
 * Posts are IRA tweets; passages are ~120-word paragraphs of news sentences (MSRP), a stand-in for
 * a library of leaked documents, with 2% of the posts copied from a passage so that some matches
 * are found and verified.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_THRESHOLDS, type Pattern } from '@undertow/core';
import { lexicalFeatures, minhashSignature, PatternIndex, postFeatures, shingle, splitPassages, tokenize, type IndexedPassage, type PatternIndexOptions } from '@undertow/detect';

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: tsx --conditions=source packages/detect/bench/throughput.ts <data dir>');
  process.exit(2);
}

/** Best of five runs after a warm-up: the machine this runs on is shared and noisy. */
function time(label: string, n: number, unit: string, run: () => void): void {
  run();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  console.log(`${label.padEnd(58)} ${Math.round(n / best).toLocaleString('en').padStart(10)} ${unit}/s   (${((best / n) * 1e6).toFixed(1)} µs each)`);
}

// Tweets: the `content` column; crude CSV split is enough for a benchmark (quoted commas are rare).
const tweets = readFileSync(join(dataDir, 'ira-2016-10', 'tweets.csv'), 'utf8')
  .split('\n')
  .slice(1, 60_001)
  .map((line) => line.split(',')[7] ?? '')
  .filter((t) => t.length > 0);
const sentences = ['train', 'test']
  .flatMap((split) => readFileSync(join(dataDir, 'paraphrase', 'msrp', `msr-para-${split}.tsv`), 'utf8').split('\n').slice(1))
  .flatMap((line) => line.split('\t').slice(3, 5))
  .filter((s) => s.length > 0);

// Baseline: how fast this machine runs a trivial JIT-compiled loop, to scale the figures below.
{
  const loop = (n: number) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc = (acc + Math.imul(i, 0x9e3779b1)) | 0;
    return acc;
  };
  loop(1e6);
  const start = process.hrtime.bigint();
  const acc = loop(1e8);
  console.log(`machine baseline: trivial loop ${(Number(process.hrtime.bigint() - start) / 1e8).toFixed(2)} ns/iteration (${acc & 1})`);
}

const meanWords = tweets.reduce((s, t) => s + tokenize(t).length, 0) / tweets.length;
console.log(`${tweets.length} tweets, mean ${meanWords.toFixed(1)} words\n`);

time('tokenize', tweets.length, 'posts', () => tweets.forEach((t) => tokenize(t)));
const shingled = tweets.map((t) => shingle(tokenize(t).map((x) => x.text)).hashes);
time('minhashSignature (128 hashes)', tweets.length, 'posts', () => shingled.forEach((h) => minhashSignature(h)));
time('postFeatures (tokens, shingles, minhash, URLs, hash)', tweets.length, 'posts', () => tweets.forEach((t) => postFeatures(t)));

// A library of 1,000 passages from 50 documents.
const documents: string[] = [];
for (let d = 0; d < 50; d++) {
  const paragraphs: string[] = [];
  for (let p = 0; p < 20; p++) paragraphs.push(sentences.slice((d * 20 + p) * 5, (d * 20 + p) * 5 + 5).join(' '));
  documents.push(paragraphs.join('\n\n'));
}
const patterns: Pattern[] = documents.map((text, i) => ({
  id: `doc${i}`,
  kind: 'document',
  name: `doc${i}`,
  description: null,
  version: 1,
  status: 'ready',
  active: true,
  text,
  examples: [],
  urls: [],
  thresholds: DEFAULT_THRESHOLDS,
  tags: [],
  params: {},
  createdAt: '2020-01-01T00:00:00Z',
  updatedAt: '2020-01-01T00:00:00Z',
}));
const passages: IndexedPassage[] = patterns.flatMap((p) =>
  splitPassages(p.text!).map((s) => ({ ...s, id: `${p.id}:${s.index}`, patternId: p.id, patternVersion: 1, minhash: lexicalFeatures(s.text).minhash })),
);
const dim = 384;
const embedding = (seed: number) => Float32Array.from({ length: dim }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));
const embedded = passages.map((p, i) => ({ ...p, embedding: embedding(i) }));

const posts = tweets.slice(0, 20_000).map((t, i) => {
  if (i % 50 !== 0) return postFeatures(t);
  const words = passages[i % passages.length]!.text.split(/\s+/);
  return postFeatures(`look at this ${words.slice(10, 35).join(' ')}`);
});
console.log(`\n${passages.length} passages in ${patterns.length} documents; ${posts.length} posts (2% copied from a passage)`);

for (const [name, options] of [
  ['LSH 128 × 1 (PatternIndex default)', {}],
  ['LSH 64 × 2', { lsh: { bands: 64, rows: 2 } }],
] as [string, PatternIndexOptions][]) {
  const start = process.hrtime.bigint();
  const index = new PatternIndex({ patterns, passages }, options);
  console.log(`\n${name}: index built in ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(0)} ms`);
  let flagged = 0;
  time(`  score, lexical only`, posts.length, 'posts', () => {
    flagged = 0;
    for (const post of posts) if (index.score(post).length > 0) flagged++;
  });
  console.log(`  posts with a signal: ${flagged} (copied: ${posts.length / 50})`);
}

const semanticIndex = new PatternIndex({ patterns, passages: embedded, model: 'bench' });
const withEmbeddings = posts.slice(0, 1000).map((p, i) => ({ ...p, embedding: embedding(i + 0.5), model: 'bench' }));
time(`score with a ${dim}-dim embedding against ${passages.length} passages`, withEmbeddings.length, 'posts', () => withEmbeddings.forEach((p) => semanticIndex.score(p)));
