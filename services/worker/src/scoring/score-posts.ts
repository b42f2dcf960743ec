import type { Logger } from 'pino';
import { postKey, tierRank, type PatternScore, type PostInput, type Score, type Tier } from '@undertow/core';
import { SCORER_VERSION, postFeatures } from '@undertow/detect';
import type { ScorePostPayload } from '@undertow/queue';
import type { Store } from '@undertow/store';
import type { Embeddings } from './embeddings.js';
import type { PatternIndexCache } from './pattern-index-cache.js';

export interface ScorePostsDeps {
  store: Pick<Store, 'posts' | 'authors' | 'engagement' | 'scores' | 'flags'>;
  embeddings: Pick<Embeddings, 'embed' | 'model'>;
  patterns: Pick<PatternIndexCache, 'current'>;
  log: Logger;
}

export interface ScoreOutcome {
  postId: string;
  tier: Tier;
  flagIds: string[];
  /** True when the post had been scored before: a retried or resubmitted job changes nothing. */
  alreadyScored: boolean;
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
  const index = await deps.patterns.current();
  const model = deps.embeddings.model;
  const scoredAt = new Date().toISOString();
  const scores: Score[] = todo.map((i, n) => {
    const patterns = index.score({ ...features[i]!, embedding: vectors[n] ?? null, model });
    return buildScore(ids[i]!, patterns, model, scoredAt);
  });
  await deps.store.scores.upsert(scores);

  const flagged = scores.flatMap((score) =>
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
      })),
  );
  const flags = flagged.length > 0 ? await deps.store.flags.applyScores(flagged) : [];
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
