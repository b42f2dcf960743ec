import type { Migration } from './migration.js';

/**
 * The facts of a post that its story's behaviour signals read — where it was posted, by whom,
 * when that account was made — copied into `story_posts` when the post joins. A story's window
 * and its counts are then read from `story_posts` alone, in `(story_id, joined_at)` order,
 * instead of one `posts` and one `authors` look-up per member: with thousands of posts in a
 * story, those look-ups were most of a batch's time. `joined_at` is the post's own time.
 */
export const storyPostFacts: Migration = {
  id: '0005-story-post-facts',
  sql: /* sql */ `
ALTER TABLE story_posts
  ADD COLUMN source            text,
  ADD COLUMN author_id         text,
  ADD COLUMN community         text,
  ADD COLUMN author_created_at timestamptz;

UPDATE story_posts sp
SET source = p.source, author_id = p.author_id, community = p.community, author_created_at = a.created_at
FROM posts p LEFT JOIN authors a ON a.source = p.source AND a.id = p.author_id
WHERE p.id = sp.post_id;

ALTER TABLE story_posts
  ALTER COLUMN source SET NOT NULL,
  ALTER COLUMN author_id SET NOT NULL;
`,
};
