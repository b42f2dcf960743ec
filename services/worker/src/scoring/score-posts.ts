import type { Logger } from 'pino';
import { postKey, tierRank, type PatternScore, type PostInput, type Score, type Tier } from '@undertow/core';
import { SCORER_VERSION, behaviourParams, postFeatures, scoreWithBehaviour } from '@undertow/detect';
import type { ScorePostPayload } from '@undertow/queue';
import type { Store } from '@undertow/store';
import type { WorkerMetrics } from '../metrics.js';
import type { StoryStage } from '../stories/story-stage.js';
import type { Embeddings } from './embeddings.js';
import type { PatternIndexCache } from './pattern-index-cache.js';
import type { StoryReevaluator } from './reevaluate-stories.js';

export interface ScorePostsDeps {
  store: Pick<Store, 'posts' | 'authors' | 'engagement' | 'scores' | 'flags'>;
  embeddings: Pick<Embeddings, 'embed' | 'model'>;
  patterns: Pick<PatternIndexCache, 'snapshot'>;
  stories: Pick<StoryStage, 'join' | 'behaviour'>;
  reevaluator: Pick<StoryReevaluator, 'reevaluate'>;
  log: Logger;
  /** Receives each batch's size and stage timings. */
  metrics?: Pick<WorkerMetrics, 'observeBatch'>;
}

export interface ScoreOutcome {
  postId: string;
  tier: Tier;
  flagIds: string[];
  /** True when the post had been scored before: a retried or resubmitted job changes nothing. */
  alreadyScored: boolean;
}

/** Milliseconds spent in each stage of a batch, for the debug log and the metrics. */
export class StageTimer {
  readonly laps: Record<string, number> = {};
  private last = performance.now();

  lap(stage: string): void {
    const now = performance.now();
    this.laps[stage] = Math.round((now - this.last) * 10) / 10;
    this.last = now;
  }
}

/** The text a post is matched on: its title, then its body. */
export function matchableText(post: Pick<PostInput, 'title' | 'text'>): string {
  return post.title ? `${post.title}\n\n${post.text}` : post.text;
}

/**
 * Persists and scores a batch of posts, idempotently: a post already scored is left as it is,
 * and flags are unique per (post, pattern).
 */
export async function scorePosts(deps: ScorePostsDeps, payloads: readonly ScorePostPayload[]): Promise<ScoreOutcome[]> {
  const stages = new StageTimer();
  const posts = payloads.map((payload) => payload.post);
  const features = posts.map((post) => postFeatures(matchableText(post), post.urls ?? []));

  await deps.store.authors.upsertMany(posts.map((post) => ({ ...post.author, source: post.source })));
  const stored = await deps.store.posts.insertMany(
    posts.map((post, i) => ({ ...post, urlKeys: features[i]!.urlKeys, textHash: features[i]!.textHash, minhash: features[i]!.minhash })),
  );
  const observed = posts.filter((post) => post.engagement);
  if (observed.length > 0) {
    await deps.store.engagement.recordMany(
      observed.map((post) => ({
        source: post.source,
        externalId: post.externalId,
        engagement: post.engagement!,
        observedAt: post.engagement!.observedAt ?? post.createdAt,
      })),
    );
  }

  stages.lap('persist');
  const idByKey = new Map(stored.map((row) => [postKey(row), row.id]));
  const ids = posts.map((post) => idByKey.get(postKey(post))!);
  const previous = await deps.store.scores.getMany(ids);
  // The same post twice in one batch (a retried job beside its original) is scored once.
  const todo: number[] = [];
  const claimed = new Set<string>();
  ids.forEach((id, i) => {
    if (previous.has(id) || claimed.has(id)) return;
    claimed.add(id);
    todo.push(i);
  });

  const vectors = await deps.embeddings.embed(todo.map((i) => ({ textHash: features[i]!.textHash, text: matchableText(posts[i]!) })));
  stages.lap('embed');
  const { index, patterns } = await deps.patterns.snapshot();
  const model = deps.embeddings.model;
  const content = todo.map((i, n) => index.score({ ...features[i]!, embedding: vectors[n] ?? null, model }));

  stages.lap('match');
  // Stories: posts carrying the same material join one story; its behaviour lifts the scores.
  const { storyOf, firstChanged } = await deps.stories.join(
    todo.map((i, n) => ({
      postId: ids[i]!,
      post: posts[i]!,
      features: features[i]!,
      passageIds: content[n]!.filter((p) => p.tier !== 'none' && p.match).map((p) => p.match!.passageId),
    })),
  );
  stages.lap('stories');
  const behaviour = await deps.stories.behaviour(
    todo.map((i) => {
      const post = posts[i]!;
      return {
        postId: ids[i]!,
        storyId: storyOf.get(ids[i]!)!.storyId,
        source: post.source,
        authorId: post.author.id,
        authorHandle: post.author.handle ?? null,
        createdAt: Date.parse(post.createdAt),
        authorCreatedAt: post.author.createdAt ? Date.parse(post.author.createdAt) : null,
        community: post.community ?? null,
      };
    }),
    behaviourParams(patterns),
  );

  stages.lap('behaviour');
  const scoredAt = new Date().toISOString();
  const scores: Score[] = todo.map((i, n) => buildScore(ids[i]!, scoreWithBehaviour(content[n]!, behaviour.get(ids[i]!) ?? [], patterns), model, scoredAt));
  await deps.store.scores.upsert(scores);
  const flags = await deps.store.flags.applyScores(flagsOf(scores, (postId) => storyOf.get(postId)?.storyId ?? null));
  stages.lap('save');
  // An older post arriving late changes its story's first appearance: re-judge the others.
  if (firstChanged.size > 0) await deps.reevaluator.reevaluate([...firstChanged.keys()], new Set(ids));
  stages.lap('reevaluate');
  deps.log.debug({ posts: posts.length, scored: todo.length, ms: stages.laps }, 'batch scored');
  deps.metrics?.observeBatch({ posts: posts.length, scored: todo.length, laps: stages.laps });

  const flagIdsByPost = new Map<string, string[]>();
  for (const flag of flags) flagIdsByPost.set(flag.postId, [...(flagIdsByPost.get(flag.postId) ?? []), flag.flagId]);
  const scoreByPost = new Map(scores.map((score) => [score.postId, score]));

  return ids.map((postId) => ({
    postId,
    tier: scoreByPost.get(postId)?.tier ?? previous.get(postId)?.tier ?? 'none',
    flagIds: flagIdsByPost.get(postId) ?? [],
    alreadyScored: !scoreByPost.has(postId),
  }));
}

/** The flags a set of scores asks for: one per (post, pattern) that reached a tier. */
export function flagsOf(scores: readonly Score[], storyOf: (postId: string) => string | null) {
  return scores.flatMap((score) =>
    score.patterns
      .filter((p) => p.tier !== 'none')
      .map((p) => ({
        postId: score.postId,
        patternId: p.patternId,
        patternVersion: p.patternVersion,
        tier: p.tier as Exclude<Tier, 'none'>,
        score: p.value,
        signals: p.signals,
        match: p.match ?? null,
        storyId: storyOf(score.postId),
      })),
  );
}

export function buildScore(postId: string, patterns: PatternScore[], model: string, scoredAt: string): Score {
  const top = patterns.reduce<PatternScore | null>((best, p) => (!best || p.value > best.value ? p : best), null);
  const tier = patterns.reduce<Tier>((best, p) => (tierRank(p.tier) > tierRank(best) ? p.tier : best), 'none');
  return {
    postId,
    value: top?.value ?? 0,
    tier,
    patterns,
    versions: { model, scorer: SCORER_VERSION, patterns: Object.fromEntries(patterns.map((p) => [p.patternId, p.patternVersion])) },
    scoredAt,
  };
}
