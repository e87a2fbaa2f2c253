export * from './label-rules.js';
export * from './platform-labels.js';
export * from './placement.js';
