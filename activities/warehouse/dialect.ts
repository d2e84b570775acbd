// A warehouse dialect reads checkpoints and applies one staged batch together with its ledger
// row and checkpoint in ONE transaction; a batch already in the ledger is not applied again.
import type { MergeResult, StagedBatch } from '../types.js';
import type { CdcTarget, CheckpointKey, MergeSpec, NewColumnPolicy, OffsetsKey, TopicMergeSpec } from './specs.js';

export type { CheckpointKey, NewColumnPolicy, OffsetsKey } from './specs.js';
import type { Row } from '../cdc/decode.js';

export interface WarehouseDialect {
  readCheckpoint(key: CheckpointKey): Promise<string | null>;
  /** Topic pipelines: the ledger's next offset per partition (absent: nothing loaded yet). */
  readOffsets?(key: OffsetsKey): Promise<Map<number, number>>;
  /** Topic pipelines: rows, dead letters and the partition's next offset in one transaction. */
  mergeTopic?(batch: StagedBatch, spec: TopicMergeSpec): Promise<MergeResult>;
  merge(batch: StagedBatch, spec: MergeSpec, onNewColumn: NewColumnPolicy, activity?: MergeActivity): Promise<MergeResult>;
  /** CDC pipelines: applies collapsed changes, the partitions' next offsets and the batch ledger row in one transaction. */
  mergeCdc?(batch: StagedBatch, target: CdcTarget): Promise<MergeResult>;
  /** CDC pipelines: the LSN at which each old key was last moved away by an applied primary-key change, by oldKeyId. */
  movedLsns?(target: { schema: string; table: string }, source: string, oldKeys: Row[]): Promise<Map<string, bigint>>;
}

/**
 * The activity around a merge, for dialects whose merge outlives one attempt (Redshift: the
 * statement keeps running server-side). `details` are the last heartbeat details of the previous
 * attempt; `heartbeat` records new ones (it must not be overwritten by detail-less heartbeats).
 */
export interface MergeActivity {
  details?: unknown;
  heartbeat(details: unknown): void;
}
