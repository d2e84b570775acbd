// What a merge is asked to do, in words no dialect owns: the keyed merge of facts and dimensions,
// topic rows, CDC changes, and the lineage and meta columns every target carries. Dialects
// (postgres/, redshift/) turn these into their SQL; sources and kinds build them.
import type { ColumnSpec } from './columns.js';

export interface CheckpointKey {
  pipeline: string;
  region: string;
  source: string;
  stream: string;
}

/** One topic of one cell cluster in the offsets ledger. */
export interface OffsetsKey {
  pipeline: string;
  region: string;
  cell: string;
  topic: string;
}

/** What a merge does when the batch has a column the target lacks. */
export type NewColumnPolicy = 'add' | 'ignore' | 'fail';

/** What a merge does when the batch has a column of a type the target cannot hold (merge-rules/type-change.ts); absent: widen. */
export type TypeChangePolicy = 'widen' | 'fail';

/** Lineage columns on every target table: which server, region and batch a row came from, and when. */
export const LINEAGE_COLUMNS: ColumnSpec[] = [
  { name: '_source', type: 'text' },
  { name: '_region', type: 'text' },
  { name: '_batch_id', type: 'text' },
  { name: '_extracted_at', type: 'timestamp with time zone' },
  { name: '_loaded_at', type: 'timestamp with time zone' },
];

/** The source-side row hash a dimension compares with, and the soft-delete marks. */
export const ROW_HASH: ColumnSpec = { name: '_row_hash', type: 'text' };
export const SOFT_DELETE_COLUMNS: ColumnSpec[] = [
  { name: '_deleted', type: 'boolean NOT NULL DEFAULT false' },
  { name: '_deleted_at', type: 'timestamp with time zone' },
];

export type MergeMode =
  /** Facts: an incoming row replaces the warehouse row of its key unless that one is newer. */
  | { kind: 'upsert'; version: string }
  /**
   * Dimensions: unchanged hashes are left alone. A whole-table batch also deletes the keys it
   * lacks; a partial one (incremental window) cannot tell a deleted row from an unchanged one.
   */
  | { kind: 'snapshot'; deletes: 'hard' | 'soft'; partial?: boolean };

/** The columns a merge mode adds to its target: dimensions keep the row hash (and the soft-delete marks). */
export function modeColumns(mode: MergeMode): ColumnSpec[] {
  if (mode.kind === 'upsert') return [];
  return mode.deletes === 'soft' ? [ROW_HASH, ...SOFT_DELETE_COLUMNS] : [ROW_HASH];
}

export interface MergeSpec {
  schema: string;
  table: string;
  /** Source columns that go into the target (the staged CSV may hold more: see stagedColumns). */
  columns: ColumnSpec[];
  /** Every column of the staged CSV, in file order. */
  stagedColumns: ColumnSpec[];
  key: string[];
  mode: MergeMode;
  onTypeChange?: TypeChangePolicy;
}

/** What a pull batch covers, as its kind sees it, so the dialect reads no kind. */
export interface PullSpan {
  /** The range the ledger row records. */
  from: string | null;
  to: string | null;
  /** The source's whole table, or its watermark range from the start: a first load may COPY straight into the target. */
  whole: boolean;
  /** The run's chunks commit out of order (they merge side by side): the checkpoint moves to the merged prefix. */
  outOfOrder: boolean;
}

export interface TopicMergeSpec {
  schema: string;
  table: string;
  /** Mapped columns and the raw message column, in staged order (the Kafka columns follow them). */
  columns: ColumnSpec[];
  /** Upsert by these columns (newest message wins); null appends, keyed by cluster, partition and offset. */
  key: string[] | null;
  onTypeChange?: TypeChangePolicy;
}

export interface CdcTarget {
  schema: string;
  table: string;
  key: string[];
  deletes: 'hard' | 'soft';
  onNewColumn: NewColumnPolicy;
  onTypeChange?: TypeChangePolicy;
}

/** One CDC batch's merge into its target, as both dialects are asked it. */
export interface CdcMergeSpec {
  schema: string;
  table: string;
  /** The row's columns as staged, in staged order (the staged meta columns follow them). */
  columns: ColumnSpec[];
  /** Of those, the ones the target gets (all of them, unless the new-column policy is "ignore"). */
  written: ColumnSpec[];
  key: string[];
  deletes: 'hard' | 'soft';
}
