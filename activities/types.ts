// What passes between workflow and activities: references, ranges and counts, never rows.
import type { ColumnSpec } from './postgres/columns.js';
import type { StagedFile } from './stage/stage.js';

export interface SyncInput {
  pipeline: string;
  region: string;
}

/** One unit of work: one watermark range of one table on one source server. */
export interface FactUnit {
  kind: 'fact';
  pipeline: string;
  region: string;
  /** Endpoint id, e.g. "app/us". */
  source: string;
  /** Source table, e.g. "public.orders". */
  stream: string;
  /** Inclusive lower bound (checkpoint minus look-back); null on the first load. */
  from: string | null;
  /** Exclusive upper bound; becomes the checkpoint when the batch commits. */
  to: string;
  /** Unique per run and unit: a retried merge of a committed batch is a no-op. */
  batchId: string;
  /** Stage folder of this unit. */
  stagePrefix: string;
}

export interface Plan {
  pipeline: string;
  region: string;
  maxParallel: number;
  units: FactUnit[];
}

export interface StagedBatch {
  unit: FactUnit;
  columns: ColumnSpec[];
  files: StagedFile[];
  rows: number;
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
  /** Per source: the range loaded. */
  ranges: { source: string; from: string | null; to: string }[];
  durationMs: number;
}
