import type { Signal } from '@undertow/core';
import type { BehaviourParams } from '../story/behaviour-params.js';
import { MINUTE, clamp01, type StoryPost, type StoryView } from '../story/story-view.js';

export const COORDINATED_BURST_SCORER = { name: 'coordinated-burst', version: '1' } as const;

/**
 * `burstAccounts` or more distinct accounts posted the same content inside the window that ends
 * with this post (the co-similarity test of the coordination literature). Value rises from 0 at
 * one account to 1 at `burstAccounts`.
 */
export function coordinatedBurst(view: StoryView, post: StoryPost, params: BehaviourParams): Signal | null {
  const windowMs = params.burstWindowMinutes * MINUTE;
  const inWindow = view.posts.filter((p) => p.createdAt <= post.createdAt && p.createdAt >= post.createdAt - windowMs);
  const accounts = new Set(inWindow.map((p) => p.authorId));
  accounts.add(post.authorId);
  if (accounts.size < 2) return null;
  const value = clamp01((accounts.size - 1) / Math.max(1, params.burstAccounts - 1));
  const start = Math.min(post.createdAt, ...inWindow.map((p) => p.createdAt));
  return {
    name: 'coordinated-burst',
    value,
    scorer: COORDINATED_BURST_SCORER,
    detail: {
      accounts: accounts.size,
      windowMinutes: params.burstWindowMinutes,
      burstStart: new Date(start).toISOString(),
      summary: `${accounts.size} accounts posted it within ${params.burstWindowMinutes} min`,
    },
  };
}
