import type { PostInput, Signal } from '@undertow/core';
import { behaviourSignals, type BehaviourParams, type PostFeatures, type StoryPost, type StoryView } from '@undertow/detect';
import { activityKey, type Store, type StoryVia, type StoryWindowPost } from '@undertow/store';
import type { StoryIndex } from './story-index.js';

const DAY = 86_400_000;
/** Fewer words than this say too little for two posts to be "the same content". */
const MIN_TOKENS = 4;

export interface StoryCandidate {
  postId: string;
  post: Pick<PostInput, 'source' | 'externalId' | 'createdAt' | 'repostOf'>;
  features: Pick<PostFeatures, 'textHash' | 'minhash' | 'urlKeys' | 'tokens'>;
  /** Passages of patterns the post carries at review level or above. */
  passageIds: string[];
}

export interface StoryMemberPost {
  postId: string;
  storyId: string;
  source: string;
  authorId: string;
  authorHandle: string | null;
  createdAt: number;
  authorCreatedAt: number | null;
  community: string | null;
}

/** Joins scored posts to their stories and works out the behaviour signals of each. */
export class StoryStage {
  constructor(
    private readonly deps: {
      index: Pick<StoryIndex, 'assign'>;
      store: Pick<Store, 'stories' | 'engagement'>;
      /** How far back, in the posts' own time, the signals look. Default 7 days. */
      lookbackMs?: number;
    },
  ) {}

  /**
   * Finds or starts each post's story (in time order, so that replaying an archive in any batch
   * size gives the same stories) and records membership.
   *
   * @returns each post's story, and the stories whose first appearance became an older post.
   */
  async join(candidates: readonly StoryCandidate[]): Promise<{ storyOf: Map<string, { storyId: string; via: StoryVia }>; firstChanged: Map<string, string> }> {
    const ordered = [...candidates].sort((a, b) => Date.parse(a.post.createdAt) - Date.parse(b.post.createdAt) || Number(a.postId) - Number(b.postId));
    const assignments = await this.deps.index.assign(
      ordered.map((c) => ({
        postId: c.postId,
        createdAt: Date.parse(c.post.createdAt),
        keys: {
          textHash: c.features.tokens.length >= MIN_TOKENS ? c.features.textHash : null,
          signature: c.features.tokens.length >= MIN_TOKENS ? c.features.minhash : null,
          urlKeys: c.features.urlKeys.filter(isSpecificUrl),
          repostOf: c.post.repostOf ?? null,
          passageIds: c.passageIds,
          self: { source: c.post.source, externalId: c.post.externalId },
        },
      })),
    );
    const storyOf = new Map<string, { storyId: string; via: StoryVia }>();
    const merges: { from: string; into: string }[] = [];
    ordered.forEach((c, i) => {
      const a = assignments[i]!;
      storyOf.set(c.postId, { storyId: a.storyId, via: a.via });
      for (const from of a.merged) merges.push({ from, into: a.storyId });
    });
    // A story merged away earlier in this batch lives on as the survivor.
    const survivor = (id: string): string => {
      for (let i = merges.length - 1; i >= 0; i--) if (merges[i]!.from === id) return survivor(merges[i]!.into);
      return id;
    };
    for (const [postId, entry] of storyOf) storyOf.set(postId, { ...entry, storyId: survivor(entry.storyId) });
    const firstChanged = await this.deps.store.stories.attach(
      ordered.map((c) => ({ postId: c.postId, storyId: storyOf.get(c.postId)!.storyId, via: storyOf.get(c.postId)!.via, joinedAt: c.post.createdAt })),
      merges,
    );
    return { storyOf, firstChanged };
  }

  /** The behaviour signals of each post in its story, as of the post's own time. */
  async behaviour(members: readonly StoryMemberPost[], params: BehaviourParams): Promise<Map<string, Signal[]>> {
    const lookback = Math.max(this.deps.lookbackMs ?? 7 * DAY, params.burstWindowMinutes * 60_000);
    const spans = new Map<string, { from: number; to: number }>();
    for (const m of members) {
      const span = spans.get(m.storyId) ?? { from: Infinity, to: -Infinity };
      spans.set(m.storyId, { from: Math.min(span.from, m.createdAt - lookback), to: Math.max(span.to, m.createdAt) });
    }
    const windows = await this.deps.store.stories.windows(
      [...spans].map(([storyId, s]) => ({ storyId, from: new Date(s.from).toISOString(), to: new Date(s.to).toISOString() })),
    );
    // Only a story's first appearance carries its external id.
    const firsts = [...windows.values()].flatMap((w) => w.posts.filter((p) => p.externalId !== null));
    const traction = await this.deps.store.engagement.latestFor(firsts.map((p) => ({ source: p.source, externalId: p.externalId! })));
    const activity = await this.deps.store.stories.authorActivity(members.map((m) => ({ source: m.source, authorId: m.authorId, storyId: m.storyId })));

    const views = new Map<string, StoryView>();
    for (const [storyId, w] of windows) {
      const posts = w.posts.map((row) => toStoryPost(row, row.externalId !== null ? traction.get(`${row.source}\u0000${row.externalId}`) : undefined));
      const first = posts.find((p) => p.postId === w.story.firstPostId);
      if (first) views.set(storyId, { id: storyId, first, posts });
    }
    const result = new Map<string, Signal[]>();
    for (const m of members) {
      const post: StoryPost = {
        postId: m.postId,
        createdAt: m.createdAt,
        authorId: m.authorId,
        authorHandle: m.authorHandle,
        authorCreatedAt: m.authorCreatedAt,
        community: m.community,
        engagement: null,
      };
      const stats = activity.get(activityKey(m.source, m.authorId, m.storyId)) ?? { onlyThisStory: true, posts: 1 };
      result.set(m.postId, behaviourSignals(views.get(m.storyId) ?? null, post, stats, params));
    }
    return result;
  }
}

function toStoryPost(row: StoryWindowPost, engagement: { score?: number | null; comments?: number | null; shares?: number | null; views?: number | null; observedAt: string } | undefined): StoryPost {
  return {
    postId: row.postId,
    createdAt: Date.parse(row.createdAt),
    authorId: row.authorId,
    authorCreatedAt: row.authorCreatedAt ? Date.parse(row.authorCreatedAt) : null,
    community: row.community,
    engagement: engagement ? { ...engagement, observedAt: Date.parse(engagement.observedAt) } : null,
  };
}

/** A link to a site's front page says nothing about the content; one to a page does. */
function isSpecificUrl(key: string): boolean {
  const slash = key.indexOf('/', key.indexOf('//') + 2);
  return slash > 0 && slash < key.length - 1;
}
