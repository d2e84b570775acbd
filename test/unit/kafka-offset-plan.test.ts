// Offset planning and the ledger rule of topic merges: exact ranges from the ledger to the end,
// and a batch applied only from where the ledger stands (never twice, never a skip).
import { describe, expect, it } from 'vitest';
import { deadLetterRatioError } from '../../activities/sources/dead-letter-ratio.js';
import { planRanges } from '../../activities/kinds/offsets/offset-plan.js';
import { decideMerge } from '../../activities/merge-rules/offset-decision.js';

describe('planRanges', () => {
  it('plans from the ledger to the end, in capped batches that follow each other', () => {
    const ranges = planRanges(
      [
        { partition: 0, start: 0, end: 250, committed: 100 },
        { partition: 1, start: 0, end: 40, committed: null },
        { partition: 2, start: 0, end: 70, committed: 70 },
      ],
      60,
      10,
    );
    expect(ranges.map((r) => [r.partition, r.from, r.to, r.committed, r.chunk])).toEqual([
      [0, 100, 160, 100, 0],
      [0, 160, 220, 160, 1],
      [0, 220, 250, 220, 2],
      [1, 0, 40, null, 0],
    ]);
    expect(ranges.every((r) => r.endOffset === (r.partition === 0 ? 250 : 40))).toBe(true);
  });

  it('plans at most maxBatches per partition; the rest waits for the next run', () => {
    const ranges = planRanges([{ partition: 0, start: 0, end: 1_000, committed: 0 }], 100, 3);
    expect(ranges.map((r) => [r.from, r.to])).toEqual([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
  });

  it('starts a first load at the oldest offset still held', () => {
    expect(planRanges([{ partition: 0, start: 500, end: 520, committed: null }], 100, 1).map((r) => [r.from, r.to, r.committed])).toEqual([[500, 520, null]]);
  });

  it('after a retention gap, starts at the oldest offset and keeps the ledger position, so the merge records the gap', () => {
    expect(planRanges([{ partition: 0, start: 500, end: 520, committed: 300 }], 100, 1).map((r) => [r.from, r.to, r.committed])).toEqual([[500, 520, 300]]);
    // Nothing after the gap: an empty batch still records it and moves the ledger.
    expect(planRanges([{ partition: 0, start: 500, end: 500, committed: 300 }], 100, 1).map((r) => [r.from, r.to, r.committed])).toEqual([[500, 500, 300]]);
  });

  it('refuses a ledger beyond the end of the partition (a recreated topic)', () => {
    expect(() => planRanges([{ partition: 3, start: 0, end: 10, committed: 50 }], 100, 1)).toThrow(/partition 3: the ledger's next offset 50 is beyond the partition's end 10/);
  });
});

describe('decideMerge', () => {
  const unit = { from: 100, to: 200, committed: 100 };

  it('loads a batch that follows the ledger', () => {
    expect(decideMerge(100, unit)).toEqual({ action: 'load', from: 100, gap: null });
    expect(decideMerge(null, { from: 0, to: 50, committed: null })).toEqual({ action: 'load', from: 0, gap: null });
  });

  it('skips a batch the ledger is already past (a retry after the commit)', () => {
    expect(decideMerge(200, unit)).toEqual({ action: 'skip' });
    expect(decideMerge(350, unit)).toEqual({ action: 'skip' });
  });

  it('loads only the rest of a batch another run committed in part', () => {
    expect(decideMerge(150, unit)).toEqual({ action: 'load', from: 150, gap: null });
    expect(decideMerge(40, { from: 0, to: 50, committed: null })).toEqual({ action: 'load', from: 40, gap: null });
  });

  it('records a retention gap between the ledger and the batch', () => {
    expect(decideMerge(300, { from: 500, to: 520, committed: 300 })).toEqual({ action: 'load', from: 500, gap: [300, 500] });
  });

  it('refuses a batch that would skip offsets the ledger has not loaded', () => {
    expect(() => decideMerge(50, unit)).toThrow(/next offset is 50, but this batch \(offsets 100 to 199\) was planned after 100/);
    expect(() => decideMerge(null, unit)).toThrow(/next offset is unset/);
  });
});

describe('deadLetterRatioError', () => {
  const base = { partition: 2, cell: 'cell-1', label: 'pipeline clicks, source events/us/cell-1' };

  it('lets a batch within the ratio load', () => {
    expect(deadLetterRatioError({ ...base, consumed: 1_000, deadLettered: 10, maxRatio: 0.01, first: null })).toBeNull();
    expect(deadLetterRatioError({ ...base, consumed: 0, deadLettered: 0, maxRatio: 0, first: null })).toBeNull();
  });

  it('names the pipeline, source, cell, partition, offset and field of a batch past the ratio', () => {
    const msg = deadLetterRatioError({ ...base, consumed: 1_000, deadLettered: 11, maxRatio: 0.01, first: { offset: 4_711, field: 'id', detail: 'required field "id" is missing' } });
    expect(msg).toBe(
      'pipeline clicks, source events/us/cell-1, cell cell-1, partition 2: 11 of 1000 messages (1.1%) cannot be loaded, more than maxDeadLetterRatio 0.01. ' +
        'The first is at offset 4711, field id: required field "id" is missing. Nothing of this batch was written; fix the producer or raise the ratio.',
    );
  });
});
