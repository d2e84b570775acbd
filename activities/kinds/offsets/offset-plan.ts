// Offset planning for one cluster, and the ledger rule a merge applies. Pure: the ledger's next
// offsets and the partitions' bounds come in, exact ranges go out.

export interface PartitionState {
  partition: number;
  /** Oldest offset the cluster still holds, and the end (next offset to be written). */
  start: number;
  end: number;
  /** The ledger's next offset; null when nothing was ever loaded from this partition. */
  committed: number | null;
}

export interface PlannedRange {
  partition: number;
  from: number;
  to: number;
  /** The ledger position this range follows (the previous range's end for later chunks). */
  committed: number | null;
  endOffset: number;
  /** 0 for the first range of a partition in this run, 1 for the next… */
  chunk: number;
}

/**
 * Per partition: from the ledger's next offset (or the oldest offset on a first load) to the
 * end, in ranges of at most maxPerBatch offsets, at most maxBatches of them. A ledger below
 * the oldest offset means retention deleted messages before they were loaded: the first range
 * starts at the oldest offset and the merge records the gap. A ledger beyond the end means
 * the topic was recreated or truncated, and loading on would silently skip or reload.
 */
export function planRanges(parts: PartitionState[], maxPerBatch: number, maxBatches: number): PlannedRange[] {
  const out: PlannedRange[] = [];
  for (const p of parts) {
    if (p.committed !== null && p.committed > p.end) {
      throw new Error(`partition ${p.partition}: the ledger's next offset ${p.committed} is beyond the partition's end ${p.end} (was the topic recreated?)`);
    }
    let from = p.committed === null ? p.start : Math.max(p.committed, p.start);
    let committed = p.committed;
    // A gap with nothing after it still needs a batch: it records the gap and moves the ledger.
    if (from === p.end && committed !== null && committed < from) {
      out.push({ partition: p.partition, from, to: from, committed, endOffset: p.end, chunk: 0 });
      continue;
    }
    for (let chunk = 0; chunk < maxBatches && from < p.end; chunk++) {
      const to = Math.min(p.end, from + maxPerBatch);
      out.push({ partition: p.partition, from, to, committed, endOffset: p.end, chunk });
      committed = to;
      from = to;
    }
  }
  return out;
}

