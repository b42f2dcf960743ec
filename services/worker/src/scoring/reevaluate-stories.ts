import type { Logger } from 'pino';
import { behaviourParams, scoreWithBehaviour } from '@undertow/detect';
import type { Store } from '@undertow/store';
import type { StoryStage } from '../stories/story-stage.js';
import type { PatternIndexCache } from './pattern-index-cache.js';
import { buildScore, flagsOf } from './score-posts.js';

/** Most posts of one story re-judged at once; a story larger than this is re-judged in part. */
const MAX_POSTS = 5_000;

/**
 * Re-judges the behaviour of stories after a late fact — an engagement update for a first
 * appearance, or an older post arriving after newer ones — keeping each post's content scores
 * and recomputing how the story around it lifts them. A relaunch is thus caught whichever order
 * the facts arrive in.
 */
export class StoryReevaluator {
  constructor(
    private readonly deps: {
      store: Pick<Store, 'stories' | 'scores' | 'flags'>;
      stories: Pick<StoryStage, 'behaviour'>;
      patterns: Pick<PatternIndexCache, 'snapshot'>;
      log: Logger;
    },
  ) {}

  async reevaluate(storyIds: readonly string[], skip: ReadonlySet<string> = new Set()): Promise<{ posts: number; flags: number }> {
    const { patterns } = await this.deps.patterns.snapshot();
    const params = behaviourParams(patterns);
    let posts = 0;
    let flags = 0;
    for (const storyId of new Set(storyIds)) {
      const timeline = (await this.deps.store.stories.timeline(storyId, MAX_POSTS)).filter((row) => !skip.has(row.postId));
      const previous = await this.deps.store.scores.getMany(timeline.map((row) => row.postId));
      const members = timeline
        .filter((row) => previous.has(row.postId))
        .map((row) => ({
          postId: row.postId,
          storyId,
          source: row.source,
          authorId: row.authorId,
          authorHandle: row.authorHandle,
          createdAt: Date.parse(row.createdAt),
          authorCreatedAt: row.authorCreatedAt ? Date.parse(row.authorCreatedAt) : null,
          community: row.community,
        }));
      if (members.length === 0) continue;
      const behaviour = await this.deps.stories.behaviour(members, params);
      const scoredAt = new Date().toISOString();
      const scores = members.map((m) => {
        const before = previous.get(m.postId)!;
        return buildScore(m.postId, scoreWithBehaviour(before.patterns, behaviour.get(m.postId) ?? [], patterns), before.versions.model, scoredAt);
      });
      await this.deps.store.scores.upsert(scores);
      const applied = await this.deps.store.flags.applyScores(flagsOf(scores, () => storyId));
      posts += scores.length;
      flags += applied.length;
    }
    if (posts > 0) this.deps.log.debug({ stories: storyIds.length, posts, flags }, 'stories re-evaluated');
    return { posts, flags };
  }
}
