export * from './admin-key.js';
export * from './app.js';
export * from './context.js';
