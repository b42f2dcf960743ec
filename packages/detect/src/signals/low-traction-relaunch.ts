import type { Signal } from '@undertow/core';
import type { BehaviourParams } from '../story/behaviour-params.js';
import { DAY, MINUTE, clamp01, tractionOf, type StoryPost, type StoryView } from '../story/story-view.js';

export const LOW_TRACTION_RELAUNCH_SCORER = { name: 'low-traction-relaunch', version: '1' } as const;

/**
 * The material's first appearance got (almost) no traction, and this post pushes it again from
 * another account or into another community some time later. Value 1 at or under
 * `maxFirstTraction`, falling to 0 at twice that. No signal while the first appearance's
 * traction is unknown: an engagement update arriving later re-evaluates the story.
 */
export function lowTractionRelaunch(view: StoryView, post: StoryPost, params: BehaviourParams): Signal | null {
  const first = view.first;
  if (post.postId === first.postId) return null;
  const traction = tractionOf(first.engagement);
  if (traction === null) return null;
  const gapMinutes = (post.createdAt - first.createdAt) / MINUTE;
  if (gapMinutes < params.relaunchGapMinutes) return null;
  if (post.authorId === first.authorId && post.community === first.community) return null;
  const max = Math.max(params.maxFirstTraction, 0);
  const value = traction <= max ? 1 : clamp01(1 - (traction - max) / Math.max(max, 1));
  if (value <= 0) return null;

  const relaunch = view.posts.filter((p) => p.createdAt >= first.createdAt + params.relaunchGapMinutes * MINUTE && p.createdAt <= post.createdAt);
  const accounts = new Map(relaunch.map((p) => [p.authorId, p]));
  const communities = new Set(relaunch.map((p) => p.community ?? ''));
  const ages = [...accounts.values()].map((p) => (p.authorCreatedAt === null ? null : (p.createdAt - p.authorCreatedAt) / DAY));
  const young = ages.filter((age) => age !== null && age < params.youngAccountDays).length;
  return {
    name: 'low-traction-relaunch',
    value,
    scorer: LOW_TRACTION_RELAUNCH_SCORER,
    detail: {
      firstPostId: first.postId,
      firstAt: new Date(first.createdAt).toISOString(),
      firstCommunity: first.community,
      firstTraction: traction,
      firstTractionObservedAt: new Date(first.engagement!.observedAt).toISOString(),
      gapMinutes: Math.round(gapMinutes),
      relaunchAccounts: accounts.size,
      relaunchYoungAccounts: young,
      relaunchCommunities: communities.size,
      summary:
        `first appeared ${formatTime(first.createdAt)}${first.community ? ` in ${first.community}` : ''} with traction ${traction}; ` +
        `relaunched ${formatGap(gapMinutes)} later by ${accounts.size} account${accounts.size === 1 ? '' : 's'}` +
        (young > 0 ? ` (${young} under ${params.youngAccountDays} days old)` : '') +
        ` into ${communities.size} communit${communities.size === 1 ? 'y' : 'ies'}`,
    },
  };
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

function formatGap(minutes: number): string {
  if (minutes < 120) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} days`;
}
