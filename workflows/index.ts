// Every workflow the workers register. Deterministic code only: no I/O, no Node APIs.
export { syncPipeline } from './sync-pipeline.js';
export { backfillPipeline } from './backfill.js';
export { verifyPipeline } from './verify-pipeline.js';
export { cdcContinuous } from './cdc-continuous.js';
export { replayPipeline } from './replay.js';
export { resnapshotPipeline } from './resnapshot.js';
