import { setTimeout as sleep } from 'node:timers/promises';
import { normalizeText } from '@undertow/detect';
import { seededRandom } from '@undertow/cli';
import type { PostInput } from '@undertow/core';
import { call } from '../support/http.js';
import { readClusters, readTweets, toPost, type Tweet } from './ira-data.js';
import { burstRecall, nearDuplicatePairs, pairwise, perturb, type BurstReport, type PairwiseReport } from './ira-metrics.js';
import { startStack, type EvalStack } from './stack.js';

export interface IraRun {
  label: string;
  posts: number;
  seconds: number;
  postsPerSecond: number;
  stories: PairwiseReport & {
    /** Different-text pairs whose texts share ≥ 50% of word 3-shingles (templates, re-tagged headlines). */
    nearDuplicatePairs: number;
    /** Precision counting identical-text and near-duplicate-text pairs as right: what is left are merges through a shared link or a loose match. */
    precisionTextVerified: number;
  };
  bursts: BurstReport;
}

/**
 * Replays IRA tweets in time order through the intake API of the real services, waits until
 * every post is scored, then compares stories with the repost clusters and burst flags with the
 * clusters that had 5+ accounts inside an hour.
 */
export async function replay(label: string, tweets: readonly Tweet[], texts: Map<string, string> | null): Promise<IraRun> {
  const stack = await startStack();
  try {
    const started = Date.now();
    const posts = tweets.map((t) => toPost(t, texts?.get(t.idx) ?? t.content));
    await submitAll(stack, posts);
    await waitScored(stack, posts.length);
    const seconds = (Date.now() - started) / 1000;

    const stories = await stack.db.query<{ external_id: string; story_id: string | null }>(
      `SELECT p.external_id, sp.story_id::text FROM posts p LEFT JOIN story_posts sp ON sp.post_id = p.id`,
    );
    const flagged = await stack.db.query<{ external_id: string; created_at: Date }>(
      `SELECT p.external_id, p.created_at FROM flags f JOIN posts p ON p.id = f.post_id WHERE f.pattern_id = 'builtin-coordinated-burst'`,
    );
    const ids = tweets.map((t) => t.idx);
    const predicted = new Map(stories.rows.map((r) => [r.external_id, r.story_id]));
    const normalized = new Map(tweets.map((t) => [t.idx, normalizeText(texts?.get(t.idx) ?? t.content)]));
    const truth = new Map(tweets.map((t) => [t.idx, t.clusterId]));
    const report = pairwise(
      ids,
      truth,
      predicted,
      normalized,
      new Map(tweets.map((t) => [t.idx, headlineOf(texts?.get(t.idx) ?? t.content)])),
    );
    const nearDuplicate = nearDuplicatePairs(ids, predicted, normalized, truth);
    const storyReport = {
      ...report,
      nearDuplicatePairs: nearDuplicate,
      precisionTextVerified: report.predictedPairs === 0 ? 1 : (report.agreeingPairs + report.sameTextPairs + nearDuplicate) / report.predictedPairs,
    };
    const burstReport = burstRecall(
      tweets.map((t) => ({ id: t.idx, clusterId: t.clusterId, authorId: t.authorId, at: t.publishedAt })),
      new Map(flagged.rows.map((r) => [r.external_id, r.created_at.getTime()])),
    );
    return { label, posts: posts.length, seconds, postsPerSecond: posts.length / seconds, stories: storyReport, bursts: burstReport };
  } catch (error) {
    for (const s of stack.services) process.stderr.write(`--- ${s.name} ---\n${s.output()}\n`);
    throw error;
  } finally {
    await stack.stop();
  }
}

/** A post's text without hashtags and links: what stays of a headline tweeted with different tags. */
function headlineOf(text: string): string {
  return normalizeText(text.replace(/#[\p{L}\p{N}_]+/gu, ' ').replace(/https?:\/\/\S+/g, ' '));
}

async function submitAll(stack: EvalStack, posts: PostInput[]): Promise<void> {
  const batches: PostInput[][] = [];
  for (let i = 0; i < posts.length; i += 1000) batches.push(posts.slice(i, i + 1000));
  // Two requests in flight keep intake busy; order within the archive is kept by batch.
  let next = 0;
  const send = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      for (;;) {
        const response = await call(stack.intake, 'POST', '/v1/posts', { posts: batch }, stack.headers);
        if (response.status === 202) {
          if (response.body.rejected > 0) throw new Error(`intake rejected posts: ${JSON.stringify(response.body.items.find((i: { status: string }) => i.status === 'rejected'))}`);
          break;
        }
        if (response.status !== 429) throw new Error(`intake answered ${response.status}: ${JSON.stringify(response.body)}`);
        await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
      }
    }
  };
  await Promise.all([send(), send()]);
}

async function waitScored(stack: EvalStack, total: number): Promise<void> {
  let last = -1;
  let stalledSince = Date.now();
  for (;;) {
    const { rows } = await stack.db.query<{ n: string }>('SELECT count(*) AS n FROM scores');
    const scored = Number(rows[0]!.n);
    if (scored >= total) return;
    if (scored !== last) {
      last = scored;
      stalledSince = Date.now();
      process.stderr.write(`\r  scored ${scored}/${total}`);
    } else if (Date.now() - stalledSince > 120_000) {
      throw new Error(`scoring stalled at ${scored}/${total}`);
    }
    await sleep(1000);
  }
}

/** Perturbed copies: every cluster keeps its first tweet as posted and has its other members edited. */
export function perturbedTexts(tweets: readonly Tweet[], seed = 11): Map<string, string> {
  const random = seededRandom(seed);
  const firstOf = new Set<string>();
  const texts = new Map<string, string>();
  for (const t of tweets) {
    if (!t.clusterId) continue;
    if (!firstOf.has(t.clusterId)) {
      firstOf.add(t.clusterId);
      continue;
    }
    texts.set(t.idx, perturb(t.content, random));
  }
  return texts;
}

export async function iraEvaluation(dataDir: string, options: { days?: number; perturbed: boolean }): Promise<IraRun[]> {
  const tweets = await readTweets(dataDir, options.days);
  const clusters = await readClusters(dataDir);
  process.stderr.write(`IRA: ${tweets.length} tweets, ${clusters.size} repost clusters\n`);
  const runs = [await replay('exact copies', tweets, null)];
  if (options.perturbed) runs.push(await replay('perturbed copies', tweets, perturbedTexts(tweets)));
  return runs;
}

export function formatRuns(runs: readonly IraRun[]): string {
  const pct = (x: number) => (x * 100).toFixed(1) + '%';
  const lines = [
    '| run | posts | posts/s | story precision (strict) | precision, identical text counted | precision, same headline counted | precision, near-duplicate text counted | story recall | F1 (strict) | burst clusters | burst recall | median delay | p90 delay |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.label} | ${r.posts} | ${r.postsPerSecond.toFixed(0)} | ${pct(r.stories.precision)} | ${pct(r.stories.precisionSameTextCounted)} | ${pct(r.stories.precisionNearDuplicateCounted)} | ${pct(r.stories.precisionTextVerified)} | ${pct(r.stories.recall)} | ${r.stories.f1.toFixed(3)} | ${r.bursts.clusters} | ${pct(r.bursts.recall)} | ${r.bursts.medianDelayMinutes ?? '—'} min | ${r.bursts.p90DelayMinutes ?? '—'} min |`,
    ),
    '',
    ...runs.map(
      (r) =>
        `${r.label}: ${r.stories.predictedPairs} predicted pairs, ${r.stories.agreeingPairs} in the truth, ${r.stories.sameTextPairs} identical-text pairs the truth leaves out (one account's repeats, texts under 4 words), ${r.stories.differentTextPairs} different-text merges of which ${r.stories.sameHeadlinePairs} same-headline (other tags or links) and ${r.stories.differentTextPairs - r.stories.sameHeadlinePairs} other; of all different-text merges ${r.stories.nearDuplicatePairs} share ≥ 50% of word 3-shingles (templates, edited copies) and ${r.stories.differentTextPairs - r.stories.nearDuplicatePairs} do not (shared links, loose matches); ${r.stories.truthPairs} truth pairs.`,
    ),
  ];
  return lines.join('\n');
}
