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

export type MergeDecision =
  /** Load the staged messages at or after `from`; record [gap[0], gap[1]) as lost to retention. */
  | { action: 'load'; from: number; gap: [number, number] | null }
  /** The ledger is at or past this batch's end: it (or a batch overlapping it) committed already. */
  | { action: 'skip' };

/**
 * The rule that makes topic loads exactly once: a batch is applied only from where the ledger
 * stands. `current` is the ledger's next offset read under lock in the merge transaction.
 */
export function decideMerge(current: number | null, unit: { from: number; to: number; committed: number | null }): MergeDecision {
  if (current === unit.committed) {
    const gap: [number, number] | null = current !== null && current < unit.from ? [current, unit.from] : null;
    return { action: 'load', from: unit.from, gap };
  }
  if (current !== null && current >= unit.to) return { action: 'skip' };
  // Another run committed part of this range (a manual run beside a scheduled one): load the rest.
  if (current !== null && current >= unit.from && current < unit.to) return { action: 'load', from: current, gap: null };
  throw new Error(
    `the ledger's next offset is ${current ?? 'unset'}, but this batch (offsets ${unit.from} to ${unit.to - 1}) was planned after ${unit.committed ?? 'nothing'}; ` +
      'loading it would skip or repeat messages, so nothing was merged (the next run plans again from the ledger)',
  );
}

/**
 * A CDC batch covers every partition of its cluster: all of them follow the ledger (load), or
 * all were applied already (skip); an empty range where the ledger stands does not count.
 * Anything else means another run applied part of it: an Error whose message says so.
 */
export function decideCdcBatch(ranges: readonly { partition: number; from: number; to: number; committed: number | null }[], current: ReadonlyMap<number, number | null>): 'load' | 'skip' {
  const actions = new Set<string>();
  for (const r of ranges) {
    const c = current.get(r.partition) ?? null;
    if (r.to === r.from && c === r.committed) continue;
    let d: MergeDecision;
    try {
      d = decideMerge(c, r);
    } catch (err) {
      throw new Error(`partition ${r.partition}: ${(err as Error).message}`, { cause: err });
    }
    actions.add(d.action === 'load' && d.from !== r.from ? 'partial' : d.action);
  }
  if (actions.size === 0 || (actions.size === 1 && actions.has('load'))) return 'load';
  if (actions.size === 1 && actions.has('skip')) return 'skip';
  throw new Error(`another run applied part of this batch (ledger ${JSON.stringify(Object.fromEntries(current))}); nothing was merged, the next run plans again from the ledger`);
}
