// A warehouse dialect reads checkpoints and applies one staged batch together with its ledger
// row and checkpoint in ONE transaction; a batch already in the ledger is not applied again.
import type { MergeResult, StagedBatch } from '../types.js';
import type { MergeSpec } from './postgres/merge-sql.js';

export interface CheckpointKey {
  pipeline: string;
  region: string;
  source: string;
  stream: string;
}

/** What a merge does when the batch has a column the target lacks. */
export type NewColumnPolicy = 'add' | 'ignore' | 'fail';

export interface WarehouseDialect {
  readCheckpoint(key: CheckpointKey): Promise<string | null>;
  merge(batch: StagedBatch, spec: MergeSpec, onNewColumn: NewColumnPolicy): Promise<MergeResult>;
}
