// The counts every merge checks before it commits (activities/merge-rules/batch-counts.ts).
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { assertCountsAddUp, countsProblem, driftProblem, partitionProblem, type LedgerCounts } from '../../activities/merge-rules/batch-counts.js';

const ok: LedgerCounts = { read: 10, staged: 10, inserted: 4, updated: 2, unchanged: 1, deleted: 3, deletedAbsent: 2, deduplicated: 1, deadLettered: 1 };
const where = { pipeline: 'orders', region: 'us', source: 'app/us', table: 'analytics.orders' };

describe('batch counts', () => {
  it('add up when every row read is in one place (a delete by a staged row counts, a row gone from the source does not)', () => {
    expect(countsProblem(ok, 10)).toBeNull();
    expect(() => assertCountsAddUp(ok, 10, where)).not.toThrow();
  });

  it('a stage holding fewer rows than the extract wrote is a file cut short', () => {
    expect(countsProblem({ ...ok, staged: 7 }, 10)).toBe('the extract wrote 10 rows to the stage, but its files hold 7 (3 fewer): a staged file was cut short or changed');
    expect(countsProblem({ ...ok, staged: 12 }, 10)).toContain('(2 more)');
  });

  it('a row not accounted for, a negative or fractional count, or more absent deletes than deletes, do not add up', () => {
    expect(countsProblem({ ...ok, unchanged: 2 }, 10)).toBe(
      '10 rows read but 11 accounted for (inserted 4 + updated 2 + unchanged 2 + deduplicated 1 + dead-lettered 1 + deleted by a staged row 1)',
    );
    expect(countsProblem({ ...ok, unchanged: -1, inserted: 6 }, 10)).toBe('counts unchanged=-1 are not whole numbers of rows');
    expect(countsProblem({ ...ok, updated: 1.5 }, 10)).toContain('updated=1.5');
    expect(countsProblem({ ...ok, deletedAbsent: 4 }, 10)).toBe('4 rows deleted as gone from the source, but only 3 deleted in all');
  });

  it('fails non-retryable, naming pipeline, region, source and table, and that nothing was merged', () => {
    const err = (() => {
      try {
        assertCountsAddUp({ ...ok, staged: 3 }, 10, where);
      } catch (e) {
        return e;
      }
      return null;
    })() as ApplicationFailure;
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toMatch(/^pipeline orders, region us, source app\/us, table analytics\.orders: the batch's counts do not add up: .* nothing was merged$/);
  });

  it('a whole read: the target holds what the source had; rows changed by hand are named', () => {
    expect(partitionProblem(200, 200)).toBeNull();
    expect(partitionProblem(200, 199)).toBe('the source had 200 rows when read whole, the warehouse holds 199 of them (1 missing)');
    expect(partitionProblem(200, 203)).toContain('(3 extra)');
    expect(driftProblem(undefined, 200)).toBeNull();
    expect(driftProblem(0, 200)).toBeNull();
    expect(driftProblem(-1, 200)).toBe(
      'the warehouse held 1 row fewer of this source than the last run left: they were deleted outside Tributary; this run wrote them back (it holds 200 now, as the source does)',
    );
    expect(driftProblem(2, 200)).toContain('2 rows more of this source than the last run left: they were added outside Tributary; this run removed them');
  });
});
