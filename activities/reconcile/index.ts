// The activities of backfills and reconciliation; the worker spreads them into its activities.
import { Context, log } from '@temporalio/activity';
import type { ActivityDeps } from '../deps.js';
import { whileHeartbeating } from '../heartbeat.js';
import { planBackfill } from '../backfill/plan.js';
import type { BackfillInput, BackfillPlan, DimensionUnit, RepairRequest, StagedBatch, VerifyInput, VerifyReport } from '../types.js';
import type { WarehouseDialect } from '../warehouse/dialect.js';
import { deleteExtra, extractRepair, invalidateBuckets } from './repair.js';
import { verifyPipeline } from './verify.js';

export function createReconcileActivities(deps: ActivityDeps, warehouse: WarehouseDialect) {
  return {
    /** Keyset bounds of a past range per source server (or whole-table chunks for a dimension). */
    async planBackfill(input: BackfillInput): Promise<BackfillPlan> {
      return planBackfill(deps, warehouse, input);
    },

    /** Per-bucket counts and checksums on both sides, then key by key where they differ. */
    async verifyBuckets(input: VerifyInput): Promise<VerifyReport> {
      const report = await whileHeartbeating(() => verifyPipeline(deps, warehouse, input));
      log.info('verified', { pipeline: input.pipeline, region: input.region, driftedBuckets: report.driftedBuckets });
      return report;
    },

    /** Facts: warehouse rows of drifted buckets whose key the source lacks are deleted (ledger row in the same transaction). */
    async deleteExtraRows(req: RepairRequest): Promise<{ deleted: number }> {
      return whileHeartbeating(() => deleteExtra(deps, warehouse, req));
    },

    /** Facts: the drifted buckets' source rows, staged for mergeStaged. */
    async extractRepairToStage(req: RepairRequest): Promise<StagedBatch> {
      const ctx = Context.current();
      return extractRepair(deps, warehouse, req, (bytes) => ctx.heartbeat({ bytes }), ctx.cancellationSignal);
    },

    /** Dimensions: the drifted buckets' row hashes are forgotten; returns the unit whose merge rewrites them. */
    async invalidateRepairBuckets(req: RepairRequest): Promise<{ invalidated: number; unit: DimensionUnit }> {
      return whileHeartbeating(() => invalidateBuckets(deps, warehouse, req));
    },
  };
}

export type ReconcileActivities = ReturnType<typeof createReconcileActivities>;
