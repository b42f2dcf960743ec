/** Engagement of a post as last observed. */
export interface Traction {
  score?: number | null;
  comments?: number | null;
  shares?: number | null;
  views?: number | null;
  /** When it was observed (epoch ms). */
  observedAt: number;
}

/** One post of a story, as the behaviour signals see it. Times are epoch ms, the posts' own. */
export interface StoryPost {
  postId: string;
  createdAt: number;
  authorId: string;
  authorHandle?: string | null;
  /** Account creation time, when the platform told us. */
  authorCreatedAt: number | null;
  community: string | null;
  engagement: Traction | null;
}

/** What the signals know of a story: its first appearance and its posts near the one being scored. */
export interface StoryView {
  id: string;
  /** The earliest post of the story (by its own createdAt). */
  first: StoryPost;
  /** Posts of the story in time order; at least those inside the signals' windows. */
  posts: readonly StoryPost[];
}

/** Whether an author's whole activity in the system is this story. */
export interface AuthorActivity {
  /** Every post of the author stored so far is in this story. */
  onlyThisStory: boolean;
  /** How many posts the author has stored; counted only when `onlyThisStory` (a burner's few), else 0. */
  posts: number;
}

/** score + comments + shares: what "got traction" means for a first appearance. */
export function tractionOf(engagement: Traction | null): number | null {
  if (!engagement) return null;
  return Math.max(0, engagement.score ?? 0) + (engagement.comments ?? 0) + (engagement.shares ?? 0);
}

export const MINUTE = 60_000;
export const DAY = 86_400_000;

export function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
