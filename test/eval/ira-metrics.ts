/** Pairwise agreement of a predicted clustering with the truth, from contingency counts. */
export interface PairwiseReport {
  truthPairs: number;
  predictedPairs: number;
  agreeingPairs: number;
  precision: number;
  recall: number;
  f1: number;
  /** Predicted pairs the truth does not hold whose normalised texts are identical (one author's repeats, texts under 4 words). */
  sameTextPairs: number;
  /** Predicted pairs the truth does not hold with different texts (near-duplicate, URL or passage merges). */
  differentTextPairs: number;
  /** Precision counting identical-normalised-text pairs as right. */
  precisionSameTextCounted: number;
  /** Of `differentTextPairs`, those whose texts are the same once hashtags and links are dropped (a headline posted with different tags). */
  sameHeadlinePairs: number;
  /** Precision counting identical-text and same-headline pairs as right; the rest are the merges the truth counts as errors that we do too. */
  precisionNearDuplicateCounted: number;
}

const pairs = (n: number) => (n * (n - 1)) / 2;

function countBy<K>(keys: Iterable<K>): Map<K, number> {
  const counts = new Map<K, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

function sumPairs(counts: Map<unknown, number>): number {
  let total = 0;
  for (const n of counts.values()) total += pairs(n);
  return total;
}

/**
 * `truth` and `predicted` map each item to its cluster (null: a singleton). `text` maps items to
 * their normalised text, to tell which disagreements are merges of identical text.
 */
export function pairwise(
  items: readonly string[],
  truth: Map<string, string | null>,
  predicted: Map<string, string | null>,
  text: Map<string, string>,
  headline: Map<string, string> = text,
): PairwiseReport {
  const truthOf = (i: string) => truth.get(i) ?? `~${i}`;
  const predOf = (i: string) => predicted.get(i) ?? `~${i}`;
  const truthPairs = sumPairs(countBy(items.map(truthOf)));
  const predictedPairs = sumPairs(countBy(items.map(predOf)));
  const agreeingPairs = sumPairs(countBy(items.map((i) => `${predOf(i)}\u0000${truthOf(i)}`)));
  const sameStoryAndText = sumPairs(countBy(items.map((i) => `${predOf(i)}\u0000${text.get(i) ?? i}`)));
  const sameStoryTextAndTruth = sumPairs(countBy(items.map((i) => `${predOf(i)}\u0000${text.get(i) ?? i}\u0000${truthOf(i)}`)));
  const sameTextPairs = sameStoryAndText - sameStoryTextAndTruth;
  // Pairs with the same headline but not the same text and not a truth pair.
  const key = (i: string, ...parts: string[]) => [predOf(i), ...parts].join('\u0000');
  const sameHeadline = sumPairs(countBy(items.map((i) => key(i, headline.get(i) ?? i))));
  const sameHeadlineAndText = sumPairs(countBy(items.map((i) => key(i, headline.get(i) ?? i, text.get(i) ?? i))));
  const sameHeadlineAndTruth = sumPairs(countBy(items.map((i) => key(i, headline.get(i) ?? i, truthOf(i)))));
  const sameHeadlineTextAndTruth = sumPairs(countBy(items.map((i) => key(i, headline.get(i) ?? i, text.get(i) ?? i, truthOf(i)))));
  const sameHeadlinePairs = sameHeadline - sameHeadlineAndText - sameHeadlineAndTruth + sameHeadlineTextAndTruth;
  const differentTextPairs = predictedPairs - agreeingPairs - sameTextPairs;
  const precision = predictedPairs === 0 ? 1 : agreeingPairs / predictedPairs;
  const recall = truthPairs === 0 ? 1 : agreeingPairs / truthPairs;
  return {
    truthPairs,
    predictedPairs,
    agreeingPairs,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    sameTextPairs,
    differentTextPairs,
    precisionSameTextCounted: predictedPairs === 0 ? 1 : (agreeingPairs + sameTextPairs) / predictedPairs,
    sameHeadlinePairs,
    precisionNearDuplicateCounted: predictedPairs === 0 ? 1 : (agreeingPairs + sameTextPairs + sameHeadlinePairs) / predictedPairs,
  };
}

export interface BurstReport {
  /** Truth clusters with 5+ distinct accounts inside one hour. */
  clusters: number;
  caught: number;
  recall: number;
  /** Median minutes, in the posts' own time, from the burst's start to the first flagged post. */
  medianDelayMinutes: number | null;
  p90DelayMinutes: number | null;
}

/**
 * For each truth cluster with a burst (`minAccounts` distinct accounts within `windowMs`), whether
 * any of its posts was flagged, and how long after the burst began (the first post of the
 * earliest qualifying window) the first flagged post was made.
 */
export function burstRecall(
  posts: readonly { id: string; clusterId: string | null; authorId: string; at: number }[],
  flaggedAt: Map<string, number>,
  minAccounts = 5,
  windowMs = 3_600_000,
): BurstReport {
  const byCluster = new Map<string, { authorId: string; at: number; id: string }[]>();
  for (const p of posts) if (p.clusterId) (byCluster.get(p.clusterId) ?? byCluster.set(p.clusterId, []).get(p.clusterId)!).push(p);
  const delays: number[] = [];
  let clusters = 0;
  let caught = 0;
  for (const members of byCluster.values()) {
    members.sort((a, b) => a.at - b.at);
    const start = burstStart(members, minAccounts, windowMs);
    if (start === null) continue;
    clusters++;
    const flagged = members.filter((m) => flaggedAt.has(m.id)).map((m) => m.at);
    if (flagged.length === 0) continue;
    caught++;
    delays.push((Math.min(...flagged) - start) / 60_000);
  }
  delays.sort((a, b) => a - b);
  const quantile = (q: number) => (delays.length === 0 ? null : delays[Math.min(delays.length - 1, Math.floor(q * delays.length))]!);
  return { clusters, caught, recall: clusters === 0 ? 1 : caught / clusters, medianDelayMinutes: quantile(0.5), p90DelayMinutes: quantile(0.9) };
}

function burstStart(members: { authorId: string; at: number }[], minAccounts: number, windowMs: number): number | null {
  for (let i = 0; i < members.length; i++) {
    const authors = new Set<string>();
    for (let j = i; j < members.length && members[j]!.at - members[i]!.at <= windowMs; j++) {
      authors.add(members[j]!.authorId);
      if (authors.size >= minAccounts) return members[i]!.at;
    }
  }
  return null;
}

/**
 * Pairs merged into one story whose texts differ but share at least `minJaccard` of their word
 * 3-shingles: templates with one slot changed (`<name> is following me now on Twitter!`), the
 * same headline with other tags. The truth, grouping only identical text, cannot hold them.
 */
export function nearDuplicatePairs(
  items: readonly string[],
  predicted: Map<string, string | null>,
  text: Map<string, string>,
  truth: Map<string, string | null> = new Map(),
  minJaccard = 0.5,
): number {
  // story → text → (truth cluster → count); pairs inside one truth cluster are the truth's, not merges.
  const stories = new Map<string, Map<string, Map<string, number>>>();
  for (const item of items) {
    const story = predicted.get(item);
    if (!story) continue;
    const texts = stories.get(story) ?? stories.set(story, new Map()).get(story)!;
    const t = text.get(item) ?? item;
    const clusters = texts.get(t) ?? texts.set(t, new Map()).get(t)!;
    const cluster = truth.get(item) ?? `~${item}`;
    clusters.set(cluster, (clusters.get(cluster) ?? 0) + 1);
  }
  let total = 0;
  for (const texts of stories.values()) {
    if (texts.size < 2) continue;
    const groups = [...texts].map(([t, clusters]) => ({ shingles: wordShingles(t), clusters, n: [...clusters.values()].reduce((a, b) => a + b, 0) }));
    for (let a = 0; a < groups.length; a++) {
      for (let b = a + 1; b < groups.length; b++) {
        const [x, y] = [groups[a]!, groups[b]!];
        if (jaccard(x.shingles, y.shingles) < minJaccard) continue;
        let inTruth = 0;
        for (const [cluster, n] of x.clusters) inTruth += n * (y.clusters.get(cluster) ?? 0);
        total += x.n * y.n - inTruth;
      }
    }
  }
  return total;
}

function wordShingles(text: string): Set<string> {
  const words = text.split(' ').filter(Boolean);
  const set = new Set<string>();
  for (let i = 0; i + 3 <= words.length; i++) set.add(words.slice(i, i + 3).join(' '));
  if (set.size === 0 && words.length > 0) set.add(words.join(' '));
  return set;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared || 1);
}

/** Edits a copy the way an amplifier does: a word dropped, two swapped, one replaced. */
export function perturb(text: string, random: () => number): string {
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length < 5) return text;
  const pick = () => Math.floor(random() * words.length);
  const edits = 1 + Math.floor(random() * 2);
  for (let e = 0; e < edits; e++) {
    const roll = random();
    const i = pick();
    if (roll < 0.34) words.splice(i, 1);
    else if (roll < 0.67 && i + 1 < words.length) [words[i], words[i + 1]] = [words[i + 1]!, words[i]!];
    else words[i] = REPLACEMENTS[Math.floor(random() * REPLACEMENTS.length)]!;
  }
  return words.join(' ');
}

const REPLACEMENTS = ['really', 'huge', 'just', 'now', 'folks', 'must', 'see', 'this', 'total', 'news'];
