// How a pull pipeline's staged batch merges into its target: its kind gives the mode (upsert by
// key with the watermark as version, or a row-hash snapshot with deletes); the rest is shared.
import { targetTable } from '../../../config/resolve.js';
import type { DimensionPipelineConfig, FactPipelineConfig, TributaryConfig } from '../../../config/schema.js';
import type { MergeActivity } from '../../heartbeat.js';
import { reportMerge } from '../../metrics/report.js';
import { describeWhere, driftProblem } from '../../merge-rules/batch-counts.js';
import { badInput } from '../../errors.js';
import type { MergeMode, MergeSpec, PullSpan } from '../../specs/merge-specs.js';
import type { MergeResult, StagedBatch } from '../../types.js';
import type { KindContext } from '../kind.js';
import { isBackfillBatch, isRepairBatch } from '../../../names/stage-keys.js';

type PullPipeline = FactPipelineConfig | DimensionPipelineConfig;

/** The merge spec of a batch in a mode. Pure. */
export function pullMergeSpec(config: TributaryConfig, p: PullPipeline, batch: StagedBatch, mode: MergeMode): MergeSpec {
  const [schema, table] = targetTable(config, p);
  return { schema, table, columns: batch.columns, stagedColumns: batch.stagedColumns, key: p.key, mode, onTypeChange: p.options.onTypeChange };
}

/** `rewritesPast`: a backfill or repair batch (the kind says), which reports no freshness. */
export async function mergePull(
  { deps, warehouse }: KindContext,
  p: PullPipeline,
  batch: StagedBatch,
  how: { mode: MergeMode; span: PullSpan; rewritesPast: boolean },
  activity?: MergeActivity,
): Promise<MergeResult> {
  const { mode, span, rewritesPast } = how;
  const spec = pullMergeSpec(deps.config, p, batch, mode);
  const result = await warehouse.merge(batch, spec, span, p.options.onNewColumn, activity);
  reportMerge(deps.metrics, batch, result, { rewritesPast });
  // Committed, and the target is whole again; but rows changed by hand make a scheduled run a
  // failure, not a success. A backfill or a repair is run to write them back: its result says so.
  const drift = driftProblem(result.driftRows, result.targetRows);
  const resync = isBackfillBatch(batch.unit.batchId) || isRepairBatch(batch.unit.batchId);
  if (drift && !resync) {
    const { unit } = batch;
    throw badInput(`${describeWhere({ pipeline: unit.pipeline, region: unit.region, source: unit.source, table: `${spec.schema}.${spec.table}` })}: ${drift}`);
  }
  return result;
}
