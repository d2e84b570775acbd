// What passes between workflow and activities: references, ranges and counts, never rows.
import type { ColumnSpec } from './postgres/columns.js';
import type { StagedFile } from './stage/stage.js';

export interface SyncInput {
  pipeline: string;
  region: string;
  /** Incremental dimensions: do a full pass (whole table, deletes found) now, whatever its schedule. */
  fullPass?: boolean;
}

/** A position in (watermark, key) order: the last row of a chunk. */
export interface KeysetBound {
  watermark: string;
  key: string[];
}

interface UnitBase {
  pipeline: string;
  region: string;
  /** Endpoint id, e.g. "app/us". */
  source: string;
  /** Source table, e.g. "public.orders". */
  stream: string;
  /** Unique per run and unit: a retried merge of a committed batch is a no-op. */
  batchId: string;
  /** Stage folder of this unit. */
  stagePrefix: string;
  /** The checkpoint written with this unit's merge; null when the kind keeps none. */
  checkpoint: string | null;
  /** More forward-only positions written with the merge, under streams of their own. */
  markers?: { stream: string; position: string }[];
}

/** One chunk of one watermark range of a fact table on one source server. */
export interface FactUnit extends UnitBase {
  kind: 'fact';
  /** Inclusive lower watermark (checkpoint minus look-back); null on a first load. */
  from: string | null;
  /** Exclusive upper watermark: the safe upper bound of the run. */
  to: string;
  /** Keyset bounds of the chunk inside [from, to): after < (watermark, key) <= until. */
  after: KeysetBound | null;
  until: KeysetBound | null;
}

/** A dimension table on one source server: the whole table, or (incremental mode) a window of changed rows. */
export interface DimensionUnit extends UnitBase {
  kind: 'dimension';
  /** Only rows with from <= column < to; null for a full read, which also finds deletes. */
  window: { column: string; from: string | null; to: string } | null;
}

export type WorkUnit = FactUnit | DimensionUnit;

export interface Plan {
  pipeline: string;
  region: string;
  maxParallel: number;
  units: WorkUnit[];
}

export interface StagedBatch {
  unit: WorkUnit;
  /** Source columns, in table order. */
  columns: ColumnSpec[];
  /** Columns of the staged CSV: the source columns plus any the kind adds (the row hash). */
  stagedColumns: ColumnSpec[];
  files: StagedFile[];
  rows: number;
  /** When the source was read (lineage column _extracted_at). */
  extractedAt: string;
  /** Checksum of the staged data, kept in the ledger. */
  checksum: string;
}

export interface MergeResult {
  batchId: string;
  rowsStaged: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** True when the batch had already committed (a retry): nothing was written this time. */
  alreadyCommitted: boolean;
}

export interface SyncResult {
  pipeline: string;
  region: string;
  units: number;
  rowsStaged: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Per unit: the range loaded. */
  ranges: { source: string; from: string | null; to: string | null }[];
  durationMs: number;
}
