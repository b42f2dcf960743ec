/**
 * Calibrates the near-duplicate defaults of @undertow/detect on real data and prints the figures
 * the defaults were chosen from.
 *
 *   npx tsx --conditions=source test/eval/near-duplicate-calibration.ts ../shared/data
 *
 * - Clough–Stevenson text reuse: containment of each answer in its source (whole and per passage)
 *   by reuse class (expected cut > light > heavy > non), and the threshold that best separates
 *   {cut, light, heavy} from non.
 * - MSRP: precision and recall of "containment ≥ t" as a paraphrase detector (tuned on val,
 *   reported on test).
 * - IRA tweets (when present): how often unrelated short posts match by chance, by number of shared
 *   shingles, and the recall of edited copies of tweets through the whole PatternIndex (LSH included).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_THRESHOLDS, type Pattern } from '@undertow/core';
import {
  DEFAULT_NEAR_DUPLICATE_OPTIONS,
  lexicalFeatures,
  nearDuplicateValue,
  normalizeText,
  PatternIndex,
  postFeatures,
  shingleOverlap,
  splitPassages,
  tokenize,
  type IndexedPassage,
  type ShingleOverlap,
} from '@undertow/detect';

const dataDir = process.argv[2];
if (!dataDir || !existsSync(dataDir)) {
  console.error('usage: tsx --conditions=source test/eval/near-duplicate-calibration.ts <data dir>');
  process.exit(2);
}

const REUSE = ['cut', 'light', 'heavy'] as const;
const CLASSES = [...REUSE, 'non'] as const;
type ReuseClass = (typeof CLASSES)[number];

function mean(xs: number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((s, x) => s + x, 0) / xs.length;
}

function f(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}

function pattern(id: string, text: string): Pattern {
  return {
    id,
    kind: 'document',
    name: id,
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
  };
}

function passagesOf(p: Pattern, slices: { text: string; start: number; end: number }[]): IndexedPassage[] {
  return slices.map((s, index) => ({ id: `${p.id}:${index}`, patternId: p.id, patternVersion: 1, index, ...s, minhash: lexicalFeatures(s.text).minhash }));
}

/** The threshold on `score` that best separates positives from negatives (accuracy), with its precision and recall. */
function bestThreshold(items: { score: number; positive: boolean }[]): { t: number; accuracy: number; precision: number; recall: number } {
  const values = [...new Set(items.map((i) => i.score))].sort((a, b) => a - b);
  const cuts = values.map((v, i) => (i === 0 ? v : (v + values[i - 1]!) / 2)).concat([values.at(-1)! + 1e-9]);
  let best = { t: 0, accuracy: -1, precision: 0, recall: 0 };
  for (const t of cuts) {
    const m = confusion(items, t);
    const accuracy = (m.tp + m.tn) / items.length;
    if (accuracy > best.accuracy) best = { t, accuracy, precision: m.tp / Math.max(1, m.tp + m.fp), recall: m.tp / Math.max(1, m.tp + m.fn) };
  }
  return best;
}

function confusion(items: { score: number; positive: boolean }[], t: number) {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (const { score, positive } of items) {
    if (score >= t) {
      if (positive) tp++;
      else fp++;
    } else if (positive) fn++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

// ---------------------------------------------------------------------------------------------
// Clough–Stevenson
// ---------------------------------------------------------------------------------------------
function cloughStevenson(): void {
  const dir = join(dataDir!, 'text-reuse', 'clough-stevenson');
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  const answers = read('file_information.csv')
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(','))
    .filter(([, , category]) => (CLASSES as readonly string[]).includes(category!))
    .map(([file, task, category]) => ({ file: file!, task: task!, category: category as ReuseClass, text: read(file!) }));
  const sources = new Map(['a', 'b', 'c', 'd', 'e'].map((task) => [task, read(`orig_task${task}.txt`)]));
  console.log(`\n## Clough–Stevenson: ${answers.length} answers against 5 sources`);
  console.log(`source lengths (words): ${[...sources.values()].map((s) => tokenize(s).length).join(', ')}; answers ${Math.min(...answers.map((a) => tokenize(a.text).length))}–${Math.max(...answers.map((a) => tokenize(a.text).length))} words`);

  for (const k of [2, 3, 4, 5]) {
    const rows = answers.map((a) => {
      const answer = lexicalFeatures(a.text, { shingleSize: k });
      const source = sources.get(a.task)!;
      const whole = shingleOverlap(answer.shingleSet, lexicalFeatures(source, { shingleSize: k }).shingleSet);
      let best: ShingleOverlap | undefined;
      let bestValue = -1;
      for (const p of splitPassages(source)) {
        const overlap = shingleOverlap(answer.shingleSet, lexicalFeatures(p.text, { shingleSize: k }).shingleSet);
        const value = Math.max(overlap.containment, overlap.coverage);
        if (value > bestValue) [best, bestValue] = [overlap, value];
      }
      return { ...a, whole: whole.containment, passage: bestValue, passageContainment: best!.containment };
    });
    console.log(`\n### k = ${k}`);
    console.log('class  n   containment in whole source (mean, min–max)   best passage: containment   max(containment, coverage) (mean, min–max)');
    for (const c of CLASSES) {
      const r = rows.filter((x) => x.category === c);
      const w = r.map((x) => x.whole);
      const p = r.map((x) => x.passage);
      console.log(
        `${c.padEnd(6)} ${String(r.length).padEnd(3)} ${f(mean(w))} (${f(Math.min(...w))}–${f(Math.max(...w))})                        ${f(mean(r.map((x) => x.passageContainment)))}                       ${f(mean(p))} (${f(Math.min(...p))}–${f(Math.max(...p))})`,
      );
    }
    for (const metric of ['whole', 'passage'] as const) {
      const best = bestThreshold(rows.map((x) => ({ score: x[metric], positive: x.category !== 'non' })));
      const nonMax = Math.max(...rows.filter((x) => x.category === 'non').map((x) => x[metric]));
      const heavyMin = Math.min(...rows.filter((x) => x.category === 'heavy').map((x) => x[metric]));
      console.log(
        `  ${metric}: reuse vs non best threshold ${f(best.t)}: accuracy ${f(best.accuracy)}, precision ${f(best.precision)}, recall ${f(best.recall)}; highest non ${f(nonMax)}, lowest heavy ${f(heavyMin)}`,
      );
    }
  }

  // The product path: each source a document pattern split into passages, each answer scored through LSH with the defaults.
  const patterns = [...sources].map(([task, text]) => pattern(`task-${task}`, text));
  const index = new PatternIndex({ patterns, passages: patterns.flatMap((p) => passagesOf(p, splitPassages(p.text!))) });
  const scored = answers.map((a) => {
    const score = index.score(postFeatures(a.text)).find((s) => s.patternId === `task-${a.task}`);
    return { ...a, value: score?.value ?? 0, tier: score?.tier ?? 'none' };
  });
  console.log(`\n### PatternIndex with the defaults (k = 3, LSH 128 × 1, minSharedShingles ${DEFAULT_NEAR_DUPLICATE_OPTIONS.minSharedShingles}, minContainment ${DEFAULT_NEAR_DUPLICATE_OPTIONS.minContainment})`);
  for (const c of CLASSES) {
    const r = scored.filter((x) => x.category === c);
    const tiers = (t: string) => r.filter((x) => x.tier === t).length;
    console.log(`${c.padEnd(6)} mean value ${f(mean(r.map((x) => x.value)))}; signal > 0: ${r.filter((x) => x.value > 0).length}/${r.length}; review ${tiers('review')}, priority ${tiers('priority')}`);
  }

  // The same rule verified on every passage (no LSH), for each candidate floor: what LSH loses, and what the floor costs.
  const passageFeatures = new Map([...sources].map(([task, text]) => [task, splitPassages(text).map((p) => lexicalFeatures(p.text).shingleSet)]));
  const exact = answers.map((a) => {
    const answer = lexicalFeatures(a.text).shingleSet;
    const overlaps = passageFeatures.get(a.task)!.map((p) => shingleOverlap(answer, p));
    return { ...a, overlaps, lsh: scored.find((x) => x.file === a.file)!.value };
  });
  console.log('\nfloor (minContainment)   exact rule, every passage: signal > 0 for cut / light / heavy / non      missed by LSH (exact > 0, index 0)');
  for (const floor of [0.1, 0.125, 0.15, 0.2, 0.25, 0.3]) {
    const value = (x: (typeof exact)[number]) => Math.max(0, ...x.overlaps.map((o) => nearDuplicateValue(o, { minContainment: floor })));
    const counts = CLASSES.map((c) => `${exact.filter((x) => x.category === c && value(x) > 0).length}/${exact.filter((x) => x.category === c).length}`);
    const missed = floor === DEFAULT_NEAR_DUPLICATE_OPTIONS.minContainment ? String(exact.filter((x) => value(x) > 0 && x.lsh === 0).length) : '';
    console.log(`${f(floor).padEnd(24)} ${counts.join(' / ').padEnd(70)} ${missed}`);
  }
}

// ---------------------------------------------------------------------------------------------
// MSRP
// ---------------------------------------------------------------------------------------------
function msrp(): void {
  const load = (split: string) =>
    readFileSync(join(dataDir!, 'paraphrase', 'msrp', `msr-para-${split}.tsv`), 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((line) => line.split('\t'))
      .filter((cols) => cols.length >= 5)
      .map(([label, , , a, b]) => ({ positive: label === '1', a: a!, b: b! }));
  console.log('\n## MSRP: containment ≥ t as a paraphrase detector (k = 3)');
  const measure = (pairs: ReturnType<typeof load>) =>
    pairs.map((p) => {
      const overlap = shingleOverlap(lexicalFeatures(p.a).shingleSet, lexicalFeatures(p.b).shingleSet);
      return { positive: p.positive, containment: overlap.containment, symmetric: Math.max(overlap.containment, overlap.coverage), value: nearDuplicateValue(overlap) };
    });
  const val = measure(load('val'));
  const test = measure(load('test'));
  for (const [name, rows] of [
    ['val', val],
    ['test', test],
  ] as const) {
    const pos = rows.filter((r) => r.positive);
    const neg = rows.filter((r) => !r.positive);
    console.log(
      `${name}: ${rows.length} pairs (${pos.length} paraphrases); mean containment paraphrase ${f(mean(pos.map((r) => r.containment)))}, non-paraphrase ${f(mean(neg.map((r) => r.containment)))}`,
    );
  }
  console.log('t     val P / R / F1 (containment #1 in #2)    test P / R / F1    test P / R (max of both directions)   test P / R (default value ≥ t)');
  let bestF1 = { t: 0, f1: -1 };
  const prf = (rows: { positive: boolean }[], key: (r: (typeof val)[number]) => number, t: number) => {
    const m = confusion(
      (rows as typeof val).map((r) => ({ score: key(r), positive: r.positive })),
      t,
    );
    const precision = m.tp / Math.max(1, m.tp + m.fp);
    const recall = m.tp / Math.max(1, m.tp + m.fn);
    return { precision, recall, f1: (2 * precision * recall) / Math.max(1e-9, precision + recall) };
  };
  for (let t = 0.1; t < 0.95; t += 0.1) {
    const v = prf(val, (r) => r.containment, t);
    const te = prf(test, (r) => r.containment, t);
    const sym = prf(test, (r) => r.symmetric, t);
    const def = prf(test, (r) => r.value, t);
    if (v.f1 > bestF1.f1) bestF1 = { t, f1: v.f1 };
    console.log(
      `${f(t, 1)}   ${f(v.precision)} / ${f(v.recall)} / ${f(v.f1)}                  ${f(te.precision)} / ${f(te.recall)} / ${f(te.f1)}    ${f(sym.precision)} / ${f(sym.recall)}                        ${f(def.precision)} / ${f(def.recall)}`,
    );
  }
  const chosen = prf(test, (r) => r.containment, bestF1.t);
  console.log(
    `best F1 on val at t = ${f(bestF1.t, 1)} (${f(bestF1.f1)}); on test: P ${f(chosen.precision)} R ${f(chosen.recall)} F1 ${f(chosen.f1)}; base rate (all positive) P ${f(test.filter((r) => r.positive).length / test.length)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// IRA tweets: chance matches between unrelated short posts, and recall of edited copies
// ---------------------------------------------------------------------------------------------
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function tweets(): void {
  const file = join(dataDir!, 'ira-2016-10', 'tweets.csv');
  if (!existsSync(file)) return;
  const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
  const col = (name: string) => header!.indexOf(name);
  const [content, language, cluster] = [col('content'), col('language'), col('repost_cluster_id')];
  const seen = new Set<string>();
  const all: { text: string; normalized: string; words: number; cluster: string }[] = [];
  for (const r of rows) {
    if (r[language] !== 'English') continue;
    const text = r[content] ?? '';
    const normalized = normalizeText(text);
    const words = normalized === '' ? 0 : normalized.split(' ').length;
    if (words < 4 || seen.has(normalized)) continue;
    seen.add(normalized);
    all.push({ text, normalized, words, cluster: r[cluster] ?? '' });
  }
  const rand = random(20161001);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  console.log(`\n## IRA tweets (October 2016): ${all.length} distinct English texts of 4+ words`);

  // Chance matches: 3,000 tweets as passages, 20,000 others as posts, pairs in one repost cluster left out.
  const indexed = all.slice(0, 3000);
  const posts = all.slice(3000, 23_000);
  const patterns = indexed.map((t, i) => pattern(`t${i}`, t.text));
  const raw = new PatternIndex(
    { patterns, passages: patterns.map((p) => passagesOf(p, [{ text: p.text!, start: 0, end: p.text!.length }])[0]!) },
    { nearDuplicate: { minSharedShingles: 1, minContainment: 0 } },
  );
  const matches: { shared: number; value: number; post: string; passage: string; words: number }[] = [];
  for (const post of posts) {
    const best = raw
      .score(postFeatures(post.text))
      .filter((s) => {
        const other = indexed[Number(s.patternId.slice(1))]!;
        return !(post.cluster && post.cluster === other.cluster);
      })
      .map((s) => ({ s, d: s.signals[0]!.detail as { sharedShingles: number } }))[0];
    if (!best) continue;
    matches.push({ shared: best.d.sharedShingles, value: best.s.value, post: post.text, passage: indexed[Number(best.s.patternId.slice(1))]!.text, words: post.words });
  }
  console.log(`chance matches of ${posts.length} posts against ${indexed.length} other tweets (share of posts whose best match passes the rule):`);
  console.log('minSharedShingles   value ≥ 0.15   value ≥ 0.2    value ≥ 0.5    value ≥ 0.8');
  for (const minShared of [1, 2, 3, 4, 5]) {
    const rate = (t: number) => `${((100 * matches.filter((m) => m.shared >= minShared && m.value >= t).length) / posts.length).toFixed(2)}%`.padEnd(15);
    console.log(`${String(minShared).padEnd(19)} ${rate(0.15)}${rate(0.2)}${rate(0.5)}${rate(0.8)}`);
  }
  for (const shared of [2, 3, 4]) {
    const examples = matches.filter((m) => m.shared === shared && m.value >= 0.5).slice(0, 4);
    console.log(`examples with ${shared} shared shingles and value ≥ 0.5:`);
    for (const e of examples) console.log(`  value ${f(e.value, 2)}  post: ${JSON.stringify(e.post.slice(0, 110))}\n              tweet: ${JSON.stringify(e.passage.slice(0, 110))}`);
  }

  // Recall of edited copies through the full index (LSH candidates, defaults).
  const sources = all.filter((t) => t.words >= 12).slice(0, 2000);
  const sourcePatterns = sources.map((t, i) => pattern(`s${i}`, t.text));
  const index = new PatternIndex({ patterns: sourcePatterns, passages: sourcePatterns.map((p) => passagesOf(p, [{ text: p.text!, start: 0, end: p.text!.length }])[0]!) });
  const edits: [string, (words: string[]) => string[]][] = [
    ['exact copy', (w) => w],
    ['1 word dropped', (w) => w.filter((_, i) => i !== Math.floor(rand() * w.length))],
    ['2 words replaced', (w) => w.map((x, i, a) => (i === Math.floor((a.length * 1) / 3) || i === Math.floor((a.length * 2) / 3) ? `zz${i}` : x))],
    ['2 adjacent words swapped', (w) => {
      const i = Math.floor(rand() * (w.length - 1));
      const out = [...w];
      [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
      return out;
    }],
    ['5 words of commentary added', (w) => ['wow', 'you', 'have', 'to', 'see', ...w]],
    ['3 hashtags appended', (w) => [...w, '#maga', '#election2016', '#wakeup']],
    ['first 8 words only', (w) => w.slice(0, 8)],
  ];
  console.log(`\nedited copies of ${sources.length} tweets (12+ words) against an index of those tweets, defaults:`);
  console.log('edit                            found (value > 0)   review (≥ 0.5)   priority (≥ 0.8)   mean value');
  for (const [name, edit] of edits) {
    let found = 0;
    let review = 0;
    let priority = 0;
    let total = 0;
    sources.forEach((t, i) => {
      const text = edit(t.text.split(/\s+/).filter((w) => !/^https?:/.test(w))).join(' ');
      const score = index.score(postFeatures(text)).find((s) => s.patternId === `s${i}`);
      const value = score?.value ?? 0;
      total += value;
      if (value > 0) found++;
      if (value >= 0.5) review++;
      if (value >= 0.8) priority++;
    });
    const pct = (n: number) => `${((100 * n) / sources.length).toFixed(1)}%`;
    console.log(`${name.padEnd(31)} ${pct(found).padEnd(19)} ${pct(review).padEnd(16)} ${pct(priority).padEnd(18)} ${f(total / sources.length)}`);
  }
  const lengths = [...new Set(sources.map((s) => tokenize(s.text).length))].sort((a, b) => a - b);
  console.log(`(source tweets are ${lengths[0]}–${lengths.at(-1)} words)`);
}

cloughStevenson();
msrp();
tweets();
