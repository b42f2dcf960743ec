import type { Signal } from '@undertow/core';
import type { BehaviourParams } from '../story/behaviour-params.js';
import { DAY, clamp01, type AuthorActivity, type StoryPost } from '../story/story-view.js';

export const YOUNG_ACCOUNT_SCORER = { name: 'young-account', version: '1' } as const;
export const SINGLE_USE_ACCOUNT_SCORER = { name: 'single-use-account', version: '1' } as const;

/** Account age at posting time: 1 up to `youngAccountDays`, 0 from `matureAccountDays`. */
export function youngAccount(post: StoryPost, params: BehaviourParams): Signal | null {
  if (post.authorCreatedAt === null) return null;
  const ageDays = Math.max(0, (post.createdAt - post.authorCreatedAt) / DAY);
  const span = Math.max(1e-9, params.matureAccountDays - params.youngAccountDays);
  const value = ageDays <= params.youngAccountDays ? 1 : clamp01(1 - (ageDays - params.youngAccountDays) / span);
  if (value <= 0) return null;
  return {
    name: 'young-account',
    value,
    scorer: YOUNG_ACCOUNT_SCORER,
    detail: { ageDays: Math.round(ageDays * 10) / 10, summary: `account ${formatAge(ageDays)} old when it posted` },
  };
}

/** The author's whole activity in the system is this story: the mark of a burner. */
export function singleUseAccount(post: StoryPost, activity: AuthorActivity): Signal | null {
  if (!activity.onlyThisStory || activity.posts === 0) return null;
  return {
    name: 'single-use-account',
    value: 1,
    scorer: SINGLE_USE_ACCOUNT_SCORER,
    detail: { posts: activity.posts, summary: `all ${activity.posts} post${activity.posts === 1 ? '' : 's'} of ${post.authorHandle ?? post.authorId} are this story` },
  };
}

function formatAge(days: number): string {
  if (days < 2) return `${Math.round(days * 24)} h`;
  if (days < 730) return `${Math.round(days)} days`;
  return `${Math.round(days / 365)} years`;
}
