// What a merge proves about its own rows, for every kind and both dialects: every row the
// extract read ends in exactly one place (inserted, updated, unchanged, collapsed into a newer
// row of its key, dead-lettered, or applied as a delete), and the stage held what the extract
// wrote. The merge records these numbers in its ledger row and checks them in the same
// transaction: a batch whose numbers do not add up is not committed. Pure.
import { badInput } from '../errors.js';
import type { RowCounts } from '../types.js';

/** One batch's counts, as its ledger row keeps them. */
export interface LedgerCounts extends RowCounts {
  /** Of `deleted`: rows removed because the source no longer has them (a whole read lacking their key, a truncate, a closed snapshot), not by a staged row. */
  deletedAbsent: number;
}

/** A batch that merged nothing (a retry whose range another batch committed). */
export const NO_ROWS: LedgerCounts = { read: 0, staged: 0, inserted: 0, updated: 0, unchanged: 0, deleted: 0, deletedAbsent: 0, deduplicated: 0, deadLettered: 0 };

/** Where a batch merges, for the message: pipeline, region, source, table. */
export interface CountsWhere {
  pipeline: string;
  region: string;
  source: string;
  table: string;
}

const NAMES: (keyof LedgerCounts)[] = ['read', 'staged', 'inserted', 'updated', 'unchanged', 'deleted', 'deletedAbsent', 'deduplicated', 'deadLettered'];

/** Rows a staged row became (a delete that removed its key counts, a row gone from the source does not). */
export function accountedFor(c: LedgerCounts): number {
  return c.inserted + c.updated + c.unchanged + c.deduplicated + c.deadLettered + (c.deleted - c.deletedAbsent);
}

/**
 * Why the counts do not add up, or null when they do. `extracted` is what the extract says it
 * wrote to the stage (rows plus dead letters); `c.staged` is what the merge found there.
 */
export function countsProblem(c: LedgerCounts, extracted: number): string | null {
  const bad = NAMES.filter((k) => !Number.isSafeInteger(c[k]) || c[k] < 0);
  if (bad.length) return `counts ${bad.map((k) => `${k}=${c[k]}`).join(', ')} are not whole numbers of rows`;
  if (c.staged !== extracted) {
    const how = c.staged < extracted ? `${extracted - c.staged} fewer` : `${c.staged - extracted} more`;
    return `the extract wrote ${extracted} rows to the stage, but its files hold ${c.staged} (${how}): a staged file was cut short or changed`;
  }
  if (c.deletedAbsent > c.deleted) return `${c.deletedAbsent} rows deleted as gone from the source, but only ${c.deleted} deleted in all`;
  const sum = accountedFor(c);
  if (sum !== c.read) {
    return (
      `${c.read} rows read but ${sum} accounted for (inserted ${c.inserted} + updated ${c.updated} + unchanged ${c.unchanged} + ` +
      `deduplicated ${c.deduplicated} + dead-lettered ${c.deadLettered} + deleted by a staged row ${c.deleted - c.deletedAbsent})`
    );
  }
  return null;
}

export function describeWhere(w: CountsWhere): string {
  return `pipeline ${w.pipeline}, region ${w.region}, source ${w.source}, table ${w.table}`;
}

/** Throws a non-retryable error naming pipeline, region, source and table when the counts do not add up. */
export function assertCountsAddUp(c: LedgerCounts, extracted: number, where: CountsWhere): void {
  const problem = countsProblem(c, extracted);
  if (problem) throw badInput(`${describeWhere(where)}: the batch's counts do not add up: ${problem}; nothing was merged`);
}

/**
 * A whole read of a source (a dimension's full pass): after the merge, the target holds exactly
 * the rows the source had. Null when it does.
 */
export function partitionProblem(sourceRows: number, warehouseRows: number): string | null {
  if (sourceRows === warehouseRows) return null;
  const diff = warehouseRows - sourceRows;
  return `the source had ${sourceRows} rows when read whole, the warehouse holds ${warehouseRows} of them (${Math.abs(diff)} ${diff < 0 ? 'missing' : 'extra'})`;
}

/**
 * Before a whole read merges, the warehouse should still hold what the last batch of this
 * source left (the ledger's count); `drift` is what it held minus that. Anything but 0 was done
 * outside Tributary (rows deleted or added by hand). Null when none.
 */
export function driftProblem(drift: number | undefined, targetRows: number | undefined): string | null {
  if (!drift) return null;
  const n = Math.abs(drift);
  const rows = n === 1 ? 'row' : 'rows';
  const now = targetRows === undefined ? '' : ` (it holds ${targetRows} now, as the source does)`;
  return drift < 0
    ? `the warehouse held ${n} ${rows} fewer of this source than the last run left: they were deleted outside Tributary; this run wrote them back${now}`
    : `the warehouse held ${n} ${rows} more of this source than the last run left: they were added outside Tributary; this run removed them${now}`;
}
