// The durable progress of a table's blocking snapshot, per cell cluster and topic: opened by its
// first row, marked closing by its last, and closed (its gap deletes run) in the merge of the
// first batch that has read every other partition to its end as planned, so no row of the snapshot
// still waits in another partition. The merge keeps the state in the ledger, in the transaction
// that applies the batch: a retried batch finds itself there and steps nothing twice. Pure.

export interface OpenSnapshot {
  /** The snapshot's point (the source.lsn of all its rows). */
  lsn: bigint;
  /** Its last row has been applied. */
  closing: boolean;
  /** The partition of its last row: it has read the whole snapshot there. */
  markPartition: number | null;
}

export interface SnapshotStep {
  /** The state to keep after the batch (null: no snapshot open). */
  open: OpenSnapshot | null;
  /** Rows older than this version that the snapshot did not write are gone at the source: delete them. */
  closeBelow: bigint | null;
}

interface Mark {
  mark: 'first' | 'last';
  lsn: bigint;
  partition: number;
}

interface Range {
  partition: number;
  to: number;
  endOffset: number;
}

export function stepSnapshot(open: OpenSnapshot | null, marks: readonly Mark[], ranges: readonly Range[]): SnapshotStep {
  const caughtUp = (s: OpenSnapshot) => ranges.every((r) => r.partition === s.markPartition || r.to >= r.endOffset);
  let s = open;
  let closeBelow: bigint | null = null;
  const close = () => {
    if (s?.closing && caughtUp(s)) {
      closeBelow = s.lsn;
      s = null;
    }
  };
  for (const m of marks) {
    // A new start replaces a snapshot that never finished (the connector restarted it).
    if (m.mark === 'first') s = { lsn: m.lsn, closing: false, markPartition: null };
    // Its last row (alone, a one-row snapshot: Debezium marks that row "last").
    else s = { lsn: m.lsn, closing: true, markPartition: m.partition };
    close();
  }
  close();
  return { open: s, closeBelow };
}
