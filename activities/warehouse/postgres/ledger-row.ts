// A batch's counts between the PostgreSQL ledger row and the merge's result, the same for pull,
// topic and CDC merges. Rows written before the count check have nulls: read falls back to staged.
import type { LedgerCounts } from '../../merge-rules/batch-counts.js';
import type { MergeResult } from '../../types.js';

type Value = string | number | null | undefined;

/** Whole-read dimensions also keep the source's rows in the target and the drift found. */
export interface PartitionCounts {
  targetRows?: number;
  driftRows?: number;
}

/** Where a batch's ledger row says it came from: its range (text of the watermark or offsets) and its file checksum (or a note). */
export interface LedgerRow {
  batchId: string;
  pipeline: string;
  region: string;
  source: string;
  /** The source table or topic. */
  stream: string;
  /** schema.table of the target. */
  target: string;
  from: string | null;
  to: string | null;
  checksum: string | null;
}

/** The values of insertBatchSql, in its column order (its count columns in LEDGER_COUNT_COLUMNS order). */
export function ledgerRowParams(r: LedgerRow, c: LedgerCounts & PartitionCounts): (string | number | null)[] {
  return [
    r.batchId, r.pipeline, r.region, r.source, r.stream, r.target, r.from, r.to,
    c.staged, c.inserted, c.updated, c.unchanged, c.deleted, r.checksum,
    c.read, c.deduplicated, c.deadLettered, c.deletedAbsent, c.targetRows ?? null, c.driftRows ?? null,
  ];
}

/** The result of a merge that wrote these counts. */
export function countsResult(batchId: string, c: LedgerCounts & PartitionCounts, alreadyCommitted = false): MergeResult {
  return {
    batchId,
    rowsRead: c.read,
    rowsStaged: c.staged,
    inserted: c.inserted,
    updated: c.updated,
    unchanged: c.unchanged,
    deleted: c.deleted,
    deletedAbsent: c.deletedAbsent,
    deduplicated: c.deduplicated,
    deadLettered: c.deadLettered,
    alreadyCommitted,
    ...(c.targetRows === undefined ? {} : { targetRows: c.targetRows }),
    ...(c.driftRows === undefined ? {} : { driftRows: c.driftRows }),
  };
}

const num = (v: Value, fallback = 0) => (v === null || v === undefined ? fallback : Number(v));

/** A committed batch's counts from its ledger row (findBatchSql). */
export function ledgerCounts(r: Record<string, Value>): LedgerCounts & PartitionCounts {
  const staged = num(r.rows_staged);
  return {
    read: num(r.rows_read, staged),
    staged,
    inserted: num(r.inserted),
    updated: num(r.updated),
    unchanged: num(r.unchanged),
    deleted: num(r.deleted),
    deletedAbsent: num(r.deleted_absent),
    deduplicated: num(r.deduplicated),
    deadLettered: num(r.dead_lettered),
    ...(r.target_rows === null || r.target_rows === undefined ? {} : { targetRows: Number(r.target_rows) }),
    ...(r.drift_rows === null || r.drift_rows === undefined ? {} : { driftRows: Number(r.drift_rows) }),
  };
}

/** A retried merge of a committed batch: what the ledger says it did. */
export function fromLedgerRow(batchId: string, r: Record<string, Value>): MergeResult {
  return countsResult(batchId, ledgerCounts(r), true);
}
