// A truncate ends what came before it in the batch: only the changes after the last truncate are
// kept, in its partition by offset, across partitions by version.
import { expect, it } from 'vitest';
import { cutAtTruncate, truncatesOf } from '../../activities/sources/debezium/truncate-cut.js';
import { snapshotEpochs } from '../../activities/sources/debezium/snapshot-epochs.js';

const change = (partition: number, offset: number, lsn: number) => ({ kind: 'change', op: 'c', partition, offset: BigInt(offset), lsn: BigInt(lsn), snapshot: false });
const truncate = (partition: number, offset: number, lsn: number) => ({ kind: 'other', op: 't', partition, offset: BigInt(offset), lsn: BigInt(lsn), sourceTsMs: 0 });
const tombstone = (partition: number, offset: number) => ({ kind: 'tombstone', partition, offset: BigInt(offset) });

it('keeps the changes after the last truncate and reports that truncate', () => {
  const records = [change(0, 0, 100), truncate(0, 1, 200), change(0, 2, 300), truncate(0, 3, 400), change(0, 4, 500), change(1, 0, 350), change(1, 1, 450), tombstone(0, 5)];
  const { records: kept, truncate: t } = cutAtTruncate(records, snapshotEpochs(records).versionOf);
  expect(t).toMatchObject({ partition: 0, offset: 3n, lsn: 400n, version: 400n });
  expect(kept.map((r) => `${r.kind}:${r.partition}@${r.offset}`)).toEqual(['change:0@4', 'change:1@1', 'tombstone:0@5']);
});

it('leaves a batch without truncates alone', () => {
  const records = [change(0, 0, 100), change(0, 1, 200)];
  expect(truncatesOf(records)).toEqual([]);
  expect(cutAtTruncate(records, snapshotEpochs(records).versionOf)).toEqual({ records, truncate: null });
});

it('a truncate after a snapshot gets the epoch as its version floor', () => {
  const snap = { kind: 'change', op: 'r', partition: 0, offset: 0n, lsn: 900n, snapshot: true };
  const records = [snap, truncate(0, 1, 800), change(0, 2, 950)];
  const { records: kept, truncate: t } = cutAtTruncate(records, snapshotEpochs(records).versionOf);
  expect(t?.version).toBe(900n);
  expect(kept).toEqual([records[2]]);
});
