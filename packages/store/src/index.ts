export { openDatabase, DEFAULT_PGLITE_DIR, type Database, type OpenDatabaseOptions, type Queryable } from './database.js';
export { createStore, openStore, type Store } from './store.js';
export * from './repositories/author-repository.js';
export * from './repositories/embedding-repository.js';
export * from './repositories/engagement-repository.js';
export * from './repositories/flag-repository.js';
export * from './repositories/pattern-repository.js';
export * from './repositories/post-repository.js';
export * from './repositories/score-repository.js';
