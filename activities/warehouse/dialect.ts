// A warehouse dialect reads checkpoints and applies one staged batch together with its ledger
// row and checkpoint in ONE transaction; a batch already in the ledger is not applied again.
// Small interfaces, one per way of merging; a dialect implements all of them and declares its
// capabilities, which the kinds and the sources read instead of the warehouse's type.
import type { StagedCdcBatch, MergeResult, StagedBatch, StagedTopicBatch } from '../types.js';
import type { CdcTarget, CheckpointKey, MergeSpec, NewColumnPolicy, OffsetsKey, PullSpan, TopicMergeSpec } from '../specs/merge-specs.js';
import type { DialectCapabilities, ParamStyle } from '../specs/capabilities.js';
import type { Row } from '../specs/row.js';
import type { MergeActivity } from '../heartbeat.js';

export type { CheckpointKey, NewColumnPolicy, OffsetsKey } from '../specs/merge-specs.js';

/** Pull pipelines (facts, dimensions): checkpoints, and upsert or snapshot merges. */
export interface PullMerger {
  readCheckpoint(key: CheckpointKey): Promise<string | null>;
  merge(batch: StagedBatch, spec: MergeSpec, span: PullSpan, onNewColumn: NewColumnPolicy, activity?: MergeActivity): Promise<MergeResult>;
}

/** Topic pipelines: the ledger's next offset per partition, and rows, dead letters and that offset in one transaction. */
export interface OffsetMerger {
  /** Absent partitions: nothing loaded yet. */
  readOffsets(key: OffsetsKey): Promise<Map<number, number>>;
  mergeTopic(batch: StagedTopicBatch, spec: TopicMergeSpec): Promise<MergeResult>;
}

/** CDC pipelines: collapsed changes, the partitions' next offsets and the batch ledger row in one transaction. */
export interface ChangeApplier {
  mergeCdc(batch: StagedCdcBatch, target: CdcTarget): Promise<MergeResult>;
  /** The LSN at which each old key was last moved away by an applied primary-key change, by oldKeyId. */
  movedLsns(target: { schema: string; table: string }, source: string, oldKeys: Row[]): Promise<Map<string, bigint>>;
}

/** CDC events an operator skipped (`tributary cdc skip`): the extract stages them as dead letters. */
export interface CdcSkipList {
  /** The skipped offsets of one pipeline, region, cell and topic. */
  cdcSkips(key: OffsetsKey): Promise<{ partition: number; offset: number }[]>;
  /** Records one skip (idempotent). */
  addCdcSkip(key: OffsetsKey, partition: number, offset: number): Promise<void>;
}

/** Status reads the state tables (checkpoints, batches, offsets) with statements of its own. */
export interface StateReader {
  /** How the statements bind parameters: $1, $2… in order, or :name. */
  readonly paramStyle: ParamStyle;
  /** One read-only statement on the state tables: rows as column name -> value. */
  queryState(sql: string, params?: Record<string, string>): Promise<Record<string, unknown>[]>;
}

export interface WarehouseDialect extends PullMerger, OffsetMerger, ChangeApplier, CdcSkipList, StateReader {
  readonly capabilities: DialectCapabilities;
}
