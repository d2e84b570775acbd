import { describe, expect, it } from 'vitest';
import { candidateBuckets, changedKeys, compareRows, type BucketRow } from '../../activities/reconcile/compare.js';

const row = (bucket: number, key: string, hash: string, pending = false): BucketRow => ({ bucket, key, hash, pending });

describe('reconcile: bucket comparison', () => {
  it('flags buckets whose count or checksum differ, or that one side lacks', () => {
    const source = [
      { bucket: 0, rows: 10, total: '100' },
      { bucket: 1, rows: 10, total: '100' },
      { bucket: 2, rows: 10, total: '100' },
      { bucket: 4, rows: 1, total: '5' },
    ];
    const warehouse = [
      { bucket: 0, rows: 10, total: '100' },
      { bucket: 1, rows: 9, total: '90' },
      { bucket: 2, rows: 10, total: '101' },
      { bucket: 3, rows: 2, total: '7' },
    ];
    expect(candidateBuckets(source, warehouse)).toEqual([1, 2, 3, 4]);
    expect(candidateBuckets(source, source)).toEqual([]);
  });

  it('tells missing, extra and changed keys apart, per bucket', () => {
    const source = [row(1, '(1)', 'a'), row(1, '(2)', 'b'), row(2, '(3)', 'c'), row(2, '(4)', 'd')];
    const warehouse = [row(1, '(1)', 'a'), row(2, '(3)', 'X'), row(2, '(4)', 'd'), row(2, '(9)', 'z')];
    expect(compareRows(source, warehouse)).toEqual({
      drifted: [
        { bucket: 1, sourceRows: 2, warehouseRows: 1, missing: 1, extra: 0, changed: 0 },
        { bucket: 2, sourceRows: 2, warehouseRows: 3, missing: 0, extra: 1, changed: 1 },
      ],
      pending: 0,
    });
    expect(changedKeys(source, warehouse)).toEqual(['(3)']);
  });

  it('does not count rows changed since the checkpoint as drift (they are the next run\'s)', () => {
    // (2) was updated at the source after the checkpoint, (5) inserted after it: both pending.
    const source = [row(1, '(1)', 'a'), row(1, '(2)', 'new', true), row(1, '(5)', 'e', true)];
    const warehouse = [row(1, '(1)', 'a'), row(1, '(2)', 'old')];
    expect(compareRows(source, warehouse)).toEqual({ drifted: [], pending: 2 });
    expect(changedKeys(source, warehouse)).toEqual([]);
  });

  it('a key the source lacks is extra even when only the warehouse has that bucket', () => {
    expect(compareRows([], [row(7, '(1)', 'a')]).drifted).toEqual([{ bucket: 7, sourceRows: 0, warehouseRows: 1, missing: 0, extra: 1, changed: 0 }]);
  });
});
