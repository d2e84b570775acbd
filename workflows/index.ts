// Every workflow the workers register. Deterministic code only: no I/O, no Node APIs.
export { syncPipeline } from './sync-pipeline.js';
