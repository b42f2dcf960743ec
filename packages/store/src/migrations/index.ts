import { initial } from './0001-initial.js';
import { accessReview } from './0002-access-review.js';
import { rescans } from './0003-rescans.js';
import { stories } from './0004-stories.js';
import { storyPostFacts } from './0005-story-post-facts.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/**
 * Every migration, oldest first. They are TypeScript modules rather than `.sql` files so that
 * `tsc` ships them in `dist` with no copy step.
 */
export const MIGRATIONS: readonly Migration[] = [initial, accessReview, rescans, stories, storyPostFacts];
