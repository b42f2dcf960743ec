export * from './job-ids.js';
export * from './pattern-clock.js';
export * from './producer.js';
export * from './queues.js';
export * from './redis.js';
export * from './rescan-flows.js';
export * from './run-worker.js';
export * from './seen-posts.js';
