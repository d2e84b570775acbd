// A warehouse dialect makes sure the state tables and the target exist, reads checkpoints,
// and applies one staged batch together with its ledger row in ONE transaction.
import type { MergeResult, StagedBatch } from '../types.js';
import type { MergeSpec } from './postgres/merge-sql.js';

export interface CheckpointKey {
  pipeline: string;
  region: string;
  source: string;
  stream: string;
}

export interface WarehouseDialect {
  readCheckpoint(key: CheckpointKey): Promise<string | null>;
  /** Applies the batch, writes the ledger row and moves the checkpoint, atomically; a batch already in the ledger is not applied again. */
  merge(batch: StagedBatch, spec: MergeSpec): Promise<MergeResult>;
}
