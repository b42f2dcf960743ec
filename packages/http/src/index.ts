export * from './api-server.js';
export * from './auth.js';
export * from './docs.js';
export * from './error-handler.js';
export * from './health-routes.js';
export * from './input-guard.js';
export * from './validate-items.js';
export * from './metrics.js';
