export * from './api-client.js';
export * from './demo/index.js';
export * from './product.js';
