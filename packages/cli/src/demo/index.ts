export * from './leaked-memo.js';
export * from './stream.js';
