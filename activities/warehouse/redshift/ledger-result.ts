// A batch's counts from a row of the Redshift ledger (tributary_batches), the same for pull, topic
// and CDC merges. Rows written before the count check lack the newer columns: read falls back to staged.
import { badInput } from '../../errors.js';
import type { MergeResult } from '../../types.js';
import type { StatementFailed } from './data-api.js';

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

/**
 * A batch whose counts do not add up (the stage held other than the extract wrote, a count out of
 * its bounds, a whole read the target does not match) fails the same way every time: not retried,
 * naming pipeline, region, source and table. Null for any other failed statement.
 */
export function countsFailure(err: StatementFailed, at: { countCheck: number; countsCheck?: number; partitionCheck?: number }, label: string, region: string, target: string): unknown {
  const where = `${label.replace(/^pipeline ([^,]+), /, `pipeline $1, region ${region}, `)}, table ${target}`;
  const text = /tributary: [^"]*/.exec(err.statement.Error ?? '')?.[0]?.replace(/^tributary: /, '') ?? err.statement.Error ?? '';
  if (err.failedIndex === at.countCheck) return badInput(`${where}: the batch's counts do not add up: the stage files hold other than the extract wrote (${text}): a staged file was cut short or changed; nothing was merged`);
  if (err.failedIndex === at.countsCheck) return badInput(`${where}: the batch's ${text}; nothing was merged`);
  if (err.failedIndex === at.partitionCheck) return badInput(`${where}: ${text}; nothing was merged`);
  return null;
}
