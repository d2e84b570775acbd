// Dimension pipelines: tables read whole (or, incremental, by a window of changed rows), merged
// as a row-hash snapshot that finds deletes on a whole read.
import { invalidateBuckets } from '../../reconcile/repair.js';
import { verifyPullPipeline } from '../../reconcile/verify.js';
import { extractUnit } from '../../sources/postgres/extract.js';
import { isRepairBatch } from '../../../names/stage-keys.js';
import type { PullSpan } from '../../specs/merge-specs.js';
import type { DimensionUnit } from '../../types.js';
import type { PipelineKind } from '../kind.js';
import { mergePull } from '../pull/merge.js';
import { planDimensionBackfill } from './backfill.js';
import { planDimension } from './plan.js';

// The kind's unit, registered under its name (activities/types.ts UnitsByKind).
declare module '../../types.js' {
  interface UnitsByKind {
    dimension: DimensionUnit;
  }
}

/** A read without a window is the whole table; a dimension merges one batch at a time. */
export const dimensionSpan = (u: DimensionUnit): PullSpan => ({ from: u.window?.from ?? null, to: u.window?.to ?? null, whole: u.window === null, outOfOrder: false });

export const dimension: PipelineKind<'dimension'> = {
  plan: ({ deps, warehouse }, p, req) => planDimension(deps, warehouse, p, req.region, req.runId, req.fullPass, req.onSourceError, req.warnings),
  parallelism: () => ({ extract: 4, merge: 1 }),
  full: () => false,
  progress: 'bytes',
  extract: ({ deps, warehouse }, p, unit, progress, signal) => extractUnit(deps, p, unit, { by: 'snapshot', window: unit.window }, warehouse.capabilities, progress, signal),
  // An incremental window cannot tell a deleted row from an unchanged one.
  merge: (ctx, p, batch, activity) =>
    mergePull(ctx, p, batch, { mode: { kind: 'snapshot', deletes: p.options.deletes, partial: batch.unit.window !== null }, span: dimensionSpan(batch.unit), rewritesPast: dimension.rewritesPast(batch.unit) }, activity),
  range: (u) => ({ source: u.source, from: u.window?.from ?? null, to: u.window?.to ?? null }),
  rewritesPast: (u) => isRepairBatch(u.batchId),
  status: (p) => ({ reads: 'tables', table: p.table, checkpointed: p.options.incremental !== undefined, lagColumn: null }),
  backfill: planDimensionBackfill,
  backfillBy: () => null,
  verify: ({ deps, warehouse }, p, input) => verifyPullPipeline(deps, warehouse, p, input),
  // The drifted rows' hashes are forgotten; the whole-table unit's merge then rewrites them and deletes the extra.
  async repair({ deps, warehouse }, _p, req) {
    const { unit } = await invalidateBuckets(deps, warehouse, req);
    return { deleted: 0, unit };
  },
};
