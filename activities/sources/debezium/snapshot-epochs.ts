// The version of each change of a batch, with snapshots ordered against streamed changes by where
// they sit in the topic (the argument is in docs/cdc.md). A snapshot read's version is the
// snapshot's point (its source.lsn). Within a partition, every streamed change after a snapshot
// read was sent after that snapshot was taken, so it is newer than the snapshot whatever its own
// LSN says (a transaction open at the snapshot commits later with changes at lower LSNs): its
// version is max(its LSN, the partition's epoch), the epoch being the newest snapshot point read
// before it in that partition. A streamed change is also at least as new as the commit streamed
// before its transaction (source.sequence's lastCommitLsn), which orders it after every transaction
// committed before its own, whatever partition they went to. Streamed changes before any snapshot
// in the batch get that here; the merge raises them to the epoch the ledger holds for their
// partition. Pure.
import type { SnapshotMark } from './snapshot-mark.js';

/** What versioning reads of an event (a change, scanned or whole; a truncate; anything else). */
export interface EpochHead {
  kind?: string;
  partition: number;
  offset: bigint;
  lsn?: bigint | null;
  commitLsn?: bigint | undefined;
  snapshot?: boolean;
  snapshotMark?: SnapshotMark;
}

/** A table snapshot's first or last row, as read in the batch. */
export interface SnapshotMarkAt {
  mark: 'first' | 'last';
  /** The snapshot's point: every row of one blocking snapshot carries it. */
  lsn: bigint;
  partition: number;
  offset: bigint;
}

export interface BatchEpochs {
  /** The version of a change or truncate of the batch (its LSN raised to its partition's epoch in the batch). */
  versionOf: (e: EpochHead) => bigint;
  /** Per partition, the newest snapshot point read in the batch: the partition's epoch after it. */
  raised: Map<number, bigint>;
  /** Snapshot starts and ends, oldest snapshot first, a start before its end. */
  marks: SnapshotMarkAt[];
}

const hasLsn = (e: EpochHead): e is EpochHead & { lsn: bigint } => e.lsn !== undefined && e.lsn !== null && e.kind !== 'tombstone';

export function snapshotEpochs(records: readonly EpochHead[]): BatchEpochs {
  const ordered = records.filter(hasLsn).sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  const versions = new WeakMap<EpochHead, bigint>();
  const raised = new Map<number, bigint>();
  const marks: SnapshotMarkAt[] = [];
  for (const e of ordered) {
    const epoch = raised.get(e.partition);
    if (e.snapshot === true) {
      versions.set(e, e.lsn);
      if (epoch === undefined || e.lsn > epoch) raised.set(e.partition, e.lsn);
      if (e.snapshotMark) marks.push({ mark: e.snapshotMark, lsn: e.lsn, partition: e.partition, offset: e.offset });
    } else {
      let v = e.commitLsn !== undefined && e.commitLsn > e.lsn ? e.commitLsn : e.lsn;
      if (epoch !== undefined && epoch > v) v = epoch;
      versions.set(e, v);
    }
  }
  marks.sort((a, b) => (a.lsn !== b.lsn ? (a.lsn < b.lsn ? -1 : 1) : a.mark !== b.mark ? (a.mark === 'first' ? -1 : 1) : a.partition - b.partition || (a.offset < b.offset ? -1 : 1)));
  return {
    versionOf: (e) => {
      const v = versions.get(e);
      if (v === undefined) throw new Error(`no version for the event at partition ${e.partition} offset ${e.offset}`);
      return v;
    },
    raised,
    marks,
  };
}

/** Legacy versions (no epochs): a snapshot read is older than any streamed change of its key. */
export const legacyVersion = (e: { lsn: bigint; snapshot: boolean }): bigint => (e.snapshot === true ? 0n : e.lsn);
