// A CDC extract may stage less than its unit planned: it cuts a partition before a primary-key
// change whose old key's delete is not applied yet (activities/sources/debezium/key-change-cut.ts). The
// ledger then stops at the cut, so the cluster's later batches of the same run, planned from
// the uncut end, must not merge: the next run plans them again from the ledger. Pure.
// The extract marks such a batch (StagedBatch.endsRun) for the workflows.
import type { CdcUnit, StagedBatch } from '../../types.js';

export function cutShort(unit: CdcUnit, batch: StagedBatch): boolean {
  if (!batch.cdc) return false;
  const applied = new Map(batch.cdc.ranges.map((r) => [r.partition, r.to]));
  return unit.ranges.some((r) => (applied.get(r.partition) ?? r.to) < r.to);
}
