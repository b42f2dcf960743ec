export * from './cosine.js';
export * from './embedding-cache.js';
export type * from './embedding-provider.js';
export * from './errors.js';
export * from './transformers-provider.js';
