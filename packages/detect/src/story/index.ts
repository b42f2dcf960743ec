export * from './behaviour.js';
export * from './behaviour-params.js';
export * from './story-view.js';
