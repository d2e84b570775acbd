// A batch's counts from a row of the Redshift ledger (tributary_batches), the same for pull, topic
// and CDC merges. Rows written before the count check lack the newer columns: read falls back to staged.
import type { MergeResult } from '../../types.js';

/** The ledger row of a batch that merged nothing (a retry whose range another batch committed). */
export const NO_ROWS_LEDGER: Record<string, unknown> = { rows_read: 0, rows_staged: 0, inserted: 0, updated: 0, unchanged: 0, deleted: 0, deleted_absent: 0, deduplicated: 0, dead_lettered: 0 };

export function fromLedger(batchId: string, r: Record<string, unknown>, alreadyCommitted: boolean): MergeResult {
  const staged = Number(r.rows_staged);
  const n = (v: unknown, fallback = 0) => (v === null || v === undefined ? fallback : Number(v));
  return {
    batchId,
    rowsRead: n(r.rows_read, staged),
    rowsStaged: staged,
    inserted: Number(r.inserted),
    updated: Number(r.updated),
    unchanged: Number(r.unchanged),
    deleted: Number(r.deleted),
    deletedAbsent: n(r.deleted_absent),
    deduplicated: n(r.deduplicated),
    // Values too long for their column are quarantined: a pull batch's dead letters.
    deadLettered: n(r.dead_lettered, n(r.quarantined)),
    ...(r.target_rows === null || r.target_rows === undefined ? {} : { targetRows: Number(r.target_rows) }),
    ...(r.drift_rows === null || r.drift_rows === undefined ? {} : { driftRows: Number(r.drift_rows) }),
    alreadyCommitted,
  };
}

