// A CDC run's batches per cluster (each the k-th range of every partition), their order across
// clusters, and when a batch cut short before a key change ends its cluster's run.
import { describe, expect, it } from 'vitest';
import { cdcBatches } from '../../activities/kinds/cdc/plan.js';
import { roundRobin } from '../../common/by-source.js';
import { planRanges } from '../../activities/kinds/offsets/offset-plan.js';
import type { StagedBatch } from '../../activities/types.js';
import { cutShort } from '../../activities/kinds/cdc/cut-short.js';

const cell = (n: number) => ({ id: `us/cell-${n}`, cell: `cell-${n}` });

describe('CDC batches of one run', () => {
  const ranges = planRanges(
    [
      { partition: 0, start: 0, end: 250, committed: 20 },
      { partition: 1, start: 0, end: 90, committed: null },
      { partition: 2, start: 0, end: 40, committed: 40 },
    ],
    100,
    4,
  );

  it('batch k holds the k-th range of each partition that has one, in ledger order', () => {
    const units = cdcBatches('orders', 't', 'us', 'run1', cell(1), ranges);
    expect(units.map((u) => [u.batchId, u.ranges.map((r) => [r.partition, r.from, r.to, r.committed])])).toEqual([
      ['run1:cell-1', [[0, 20, 120, 20], [1, 0, 90, null]]],
      ['run1:cell-1:1', [[0, 120, 220, 120]]],
      ['run1:cell-1:2', [[0, 220, 250, 220]]],
    ]);
    expect(new Set(units.map((u) => u.stagePrefix)).size).toBe(3);
    expect(cdcBatches('orders', 't', 'us', 'run1', cell(1), [])).toEqual([]);
  });

  it('takes the clusters in turn, so bounded extracts serve every cluster first', () => {
    const a = cdcBatches('orders', 't', 'us', 'r', cell(1), ranges);
    const b = cdcBatches('orders', 't', 'us', 'r', cell(2), ranges.filter((r) => r.chunk === 0));
    expect(roundRobin([...a, ...b]).map((u) => u.batchId)).toEqual(['r:cell-1', 'r:cell-2', 'r:cell-1:1', 'r:cell-1:2']);
  });
});

describe('a batch cut short', () => {
  const [unit] = cdcBatches('orders', 't', 'us', 'r', cell(1), planRanges([{ partition: 0, start: 0, end: 50, committed: 0 }, { partition: 1, start: 0, end: 50, committed: 0 }], 100, 1));
  const staged = (ranges: { partition: number; from: number; to: number }[]) =>
    ({ unit, cdc: { ranges: ranges.map((r) => ({ ...r, committed: 0, endOffset: 50 })), events: 0, upserts: 0, deletes: 0, newestSourceTsMs: null } }) as unknown as StagedBatch;

  it('ends the run when any partition stopped before its planned end', () => {
    expect(cutShort(unit!, staged([{ partition: 0, from: 0, to: 50 }, { partition: 1, from: 0, to: 50 }]))).toBe(false);
    expect(cutShort(unit!, staged([{ partition: 0, from: 0, to: 50 }, { partition: 1, from: 0, to: 31 }]))).toBe(true);
  });

  it('never for other kinds', () => {
    expect(cutShort({ kind: 'topic' } as never, { cdc: undefined } as unknown as StagedBatch)).toBe(false);
  });
});
