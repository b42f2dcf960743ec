export * from './worker.js';
export { scorePosts, matchableText } from './scoring/score-posts.js';
