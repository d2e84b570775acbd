// The open snapshot of a topic: opened by its first row, closing at its last, closed (gap deletes)
// once every other partition has been read to its planned end.
import { expect, it } from 'vitest';
import { stepSnapshot } from '../../activities/merge-rules/snapshot-step.js';

const range = (partition: number, to: number, endOffset: number) => ({ partition, to, endOffset });

it('opens at the first row and closes at the last in a one-partition topic', () => {
  const opened = stepSnapshot(null, [{ mark: 'first', lsn: 500n, partition: 0 }], [range(0, 100, 900)]);
  expect(opened).toEqual({ open: { lsn: 500n, closing: false, markPartition: null }, closeBelow: null });
  // The batch holding the last row need not reach the partition's end: the snapshot's rows precede it.
  expect(stepSnapshot(opened.open, [{ mark: 'last', lsn: 500n, partition: 0 }], [range(0, 200, 900)])).toEqual({ open: null, closeBelow: 500n });
});

it('waits for the other partitions to be read to their end before it closes', () => {
  const open = { lsn: 500n, closing: false, markPartition: null };
  const marked = stepSnapshot(open, [{ mark: 'last', lsn: 500n, partition: 1 }], [range(0, 100, 300), range(1, 50, 60)]);
  expect(marked).toEqual({ open: { lsn: 500n, closing: true, markPartition: 1 }, closeBelow: null });
  expect(stepSnapshot(marked.open, [], [range(0, 300, 300), range(1, 70, 80)])).toEqual({ open: null, closeBelow: 500n });
});

it('a new start replaces a snapshot that never finished; a lone last row is a one-row snapshot', () => {
  const open = { lsn: 500n, closing: false, markPartition: null };
  expect(stepSnapshot(open, [{ mark: 'first', lsn: 700n, partition: 0 }], [range(0, 10, 20)]).open).toEqual({ lsn: 700n, closing: false, markPartition: null });
  expect(stepSnapshot(null, [{ mark: 'last', lsn: 800n, partition: 0 }], [range(0, 10, 20)])).toEqual({ open: null, closeBelow: 800n });
  // Nothing open, nothing marked: nothing to do.
  expect(stepSnapshot(null, [], [range(0, 10, 20)])).toEqual({ open: null, closeBelow: null });
});
