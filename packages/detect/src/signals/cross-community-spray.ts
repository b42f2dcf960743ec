import type { Signal } from '@undertow/core';
import type { BehaviourParams } from '../story/behaviour-params.js';
import { clamp01, type StoryPost, type StoryView } from '../story/story-view.js';

export const CROSS_COMMUNITY_SPRAY_SCORER = { name: 'cross-community-spray', version: '1' } as const;

/**
 * One or a few accounts post the same content into many communities: the posting author's own
 * spread, or the story's when `sprayMaxAccounts` or fewer accounts are behind it.
 */
export function crossCommunitySpray(view: StoryView, post: StoryPost, params: BehaviourParams): Signal | null {
  const upTo = view.posts.filter((p) => p.createdAt <= post.createdAt && p.postId !== post.postId).concat(post);
  const byAuthor = new Set(upTo.filter((p) => p.authorId === post.authorId && p.community).map((p) => p.community));
  const communities = new Set(upTo.filter((p) => p.community).map((p) => p.community));
  const accounts = new Set(upTo.map((p) => p.authorId));
  const scale = (n: number) => clamp01((n - 1) / Math.max(1, params.sprayCommunities - 1));
  const authorValue = scale(byAuthor.size);
  const storyValue = accounts.size <= params.sprayMaxAccounts ? scale(communities.size) : 0;
  const value = Math.max(authorValue, storyValue);
  if (value <= 0) return null;
  const [n, who] = authorValue >= storyValue ? [byAuthor.size, 'this account'] : [communities.size, `${accounts.size} account${accounts.size === 1 ? '' : 's'}`];
  return {
    name: 'cross-community-spray',
    value,
    scorer: CROSS_COMMUNITY_SPRAY_SCORER,
    detail: { communities: n, accounts: accounts.size, summary: `${who} posted it into ${n} communities` },
  };
}
