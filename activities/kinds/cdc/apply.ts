// Applies one staged CDC batch through the warehouse's change-apply merge and reports it: the
// batch's counts, and freshness = now minus the source commit time of the newest applied change.
import { targetTable } from '../../../config/resolve.js';
import type { CdcPipelineConfig } from '../../../config/schema.js';
import type { ActivityDeps } from '../../deps.js';
import { badInput } from '../../errors.js';
import { batchCounts, unitTags } from '../../metrics/report.js';
import type { CdcUnit, MergeResult, StagedBatch } from '../../types.js';
import type { WarehouseDialect } from '../../warehouse/dialect.js';
import type { MovedLsns } from '../../sources/debezium/cdc-extract.js';

/** What the extract of a CDC unit asks the warehouse: which old keys were moved by applied key changes. */
export function movedLsnsFor(deps: ActivityDeps, warehouse: WarehouseDialect, p: CdcPipelineConfig, unit: CdcUnit): MovedLsns {
  const [schema, table] = targetTable(deps.config, p);
  return (oldKeys) => warehouse.movedLsns({ schema, table }, unit.source, oldKeys);
}

export async function applyCdc(deps: ActivityDeps, warehouse: WarehouseDialect, p: CdcPipelineConfig, batch: StagedBatch & { unit: CdcUnit }, now: () => number = Date.now): Promise<MergeResult> {
  const { unit, cdc } = batch;
  if (!cdc) throw badInput(`pipeline ${p.name}, source ${unit.source}: batch ${unit.batchId} carries no CDC events, so it is not a CDC batch`);
  const [schema, table] = targetTable(deps.config, p);
  const result = await warehouse.mergeCdc({ ...batch, cdc }, { schema, table, key: p.key, deletes: p.options.deletes, onNewColumn: p.options.onNewColumn, onTypeChange: p.options.onTypeChange });
  if (!result.alreadyCommitted) {
    const tags = unitTags(unit);
    const extracted = Date.parse(batch.extractedAt);
    deps.metrics.batch(
      tags,
      batchCounts(result),
      Number.isNaN(extracted) ? 0 : Math.max(0, now() - extracted),
    );
    const newest = result.cdc?.newestSourceTsMs;
    if (newest) deps.metrics.freshness(tags, Math.max(0, (now() - newest) / 1000));
  }
  return result;
}
