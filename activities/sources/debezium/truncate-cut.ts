// A truncate event (op "t") empties the table at its point in the stream: the changes of the batch
// before it are gone with it, those after it remain. The batch keeps only the changes after its
// last truncate, and the merge empties the target's rows of the source up to the truncate's
// version before it applies them. "Before" is the partition's order within a partition; across
// partitions it is the version order (a TRUNCATE holds an exclusive lock: every change of the
// table after it has a higher LSN). Pure.
import type { EpochHead } from './snapshot-epochs.js';

export interface TruncateAt {
  partition: number;
  offset: bigint;
  lsn: bigint;
  /** The truncate's version (its LSN raised to its partition's epoch in the batch). */
  version: bigint;
  sourceTsMs: number;
}

type Head = EpochHead & { op?: string; sourceTsMs?: number };

const isTruncate = (r: Head): r is Head & { lsn: bigint } => r.kind === 'other' && r.op === 't' && r.lsn !== undefined && r.lsn !== null;
const isChange = (r: Head) => r.kind === 'change' || r.kind === 'scanned';

/** Whether a change at (partition, offset, version, lsn) comes before truncate t. */
function before(r: Head & { lsn: bigint }, version: bigint, t: TruncateAt): boolean {
  if (r.partition === t.partition) return r.offset < t.offset;
  return version !== t.version ? version < t.version : r.lsn < t.lsn;
}

/** The batch's truncates, in order (for a policy that refuses them). */
export function truncatesOf<R extends Head>(records: readonly R[]): (R & { lsn: bigint })[] {
  return records.filter(isTruncate) as (R & { lsn: bigint })[];
}

/** The records after the batch's last truncate (tombstones and other events stay), and that truncate. */
export function cutAtTruncate<R extends Head>(records: readonly R[], versionOf: (e: EpochHead) => bigint): { records: R[]; truncate: TruncateAt | null } {
  let last: TruncateAt | null = null;
  for (const r of truncatesOf(records)) {
    const t: TruncateAt = { partition: r.partition, offset: r.offset, lsn: r.lsn, version: versionOf(r), sourceTsMs: r.sourceTsMs ?? 0 };
    if (!last || before({ ...r, kind: 'change' }, t.version, last) === false) last = t;
  }
  if (!last) return { records: [...records], truncate: null };
  const t = last;
  const kept = records.filter((r) => !isTruncate(r) && !(isChange(r) && before(r as Head & { lsn: bigint }, versionOf(r), t)));
  return { records: kept, truncate: t };
}
