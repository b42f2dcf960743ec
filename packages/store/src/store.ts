import { openDatabase, type Database, type OpenDatabaseOptions } from './database.js';
import { ApiKeyRepository } from './repositories/api-key-repository.js';
import { AuthorRepository } from './repositories/author-repository.js';
import { EmbeddingRepository } from './repositories/embedding-repository.js';
import { EngagementRepository } from './repositories/engagement-repository.js';
import { FlagRepository } from './repositories/flag-repository.js';
import { PatternRepository } from './repositories/pattern-repository.js';
import { PostRepository } from './repositories/post-repository.js';
import { RescanRepository } from './repositories/rescan-repository.js';
import { ReviewStatsRepository } from './repositories/review-stats-repository.js';
import { ScoreRepository } from './repositories/score-repository.js';
import { StoryRepository } from './repositories/story-repository.js';

/** Every repository over one database. */
export interface Store {
  db: Database;
  posts: PostRepository;
  authors: AuthorRepository;
  engagement: EngagementRepository;
  patterns: PatternRepository;
  embeddings: EmbeddingRepository;
  scores: ScoreRepository;
  flags: FlagRepository;
  apiKeys: ApiKeyRepository;
  reviewStats: ReviewStatsRepository;
  stories: StoryRepository;
  rescans: RescanRepository;
}

export function createStore(db: Database): Store {
  return {
    db,
    posts: new PostRepository(db),
    authors: new AuthorRepository(db),
    engagement: new EngagementRepository(db),
    patterns: new PatternRepository(db),
    embeddings: new EmbeddingRepository(db),
    scores: new ScoreRepository(db),
    flags: new FlagRepository(db),
    apiKeys: new ApiKeyRepository(db),
    reviewStats: new ReviewStatsRepository(db),
    stories: new StoryRepository(db),
    rescans: new RescanRepository(db),
  };
}

/** `openDatabase` then `createStore`; close it with `store.db.close()`. */
export async function openStore(opts: OpenDatabaseOptions = {}): Promise<Store> {
  return createStore(await openDatabase(opts));
}
