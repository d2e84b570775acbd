// Re-syncs exactly the drifted buckets of one source server, through the normal stage + merge:
// facts stage the buckets' source rows (merged by mergeStaged like any batch, checkpoint
// untouched) after deleting the warehouse rows whose key the source lacks; dimensions forget the
// buckets' stored row hashes, so the next whole-table merge rewrites exactly those rows.
// Every write is recorded in the ledger, and a retried step finds its ledger row and does nothing.
import type pg from 'pg';
import { type ActivityDeps } from '../deps.js';
import { sourceTarget } from '../sources/postgres/target.js';
import { badInput } from '../errors.js';
import { withPg } from '../pg/connect.js';
import { copyToStage } from '../sources/postgres/copy-to-stage.js';
import type { DimensionUnit, FactUnit, RepairRequest, StagedBatch } from '../types.js';
import type { WarehouseDialect } from '../warehouse/dialect.js';
import { bucketCopySql, bucketKeysSql, checkBuckets } from './bucket-sql.js';
import { changedKeys } from './compare.js';
import { pgBucketReader } from './read.js';
import type { WarehouseSide } from './side.js';
import { endpointsOf, reconcilablePipeline, reconcileTables, type ReconcileTables } from './tables.js';
import { withWarehouseSide } from './warehouse-side.js';

type Progress = (bytes: number) => void;

function open(deps: ActivityDeps, warehouse: WarehouseDialect, req: RepairRequest, fn: (t: ReconcileTables, src: pg.Client, dst: WarehouseSide) => Promise<unknown>) {
  checkBuckets(req.buckets);
  const p = reconcilablePipeline(deps, req.pipeline);
  const [endpoint] = endpointsOf(deps, p, req.region, req.source);
  return { p, endpoint: endpoint!, run: () => withPg(sourceTarget(endpoint!), deps.secrets, (src) => withWarehouseSide(deps, async (dst) => fn(await reconcileTables(deps, warehouse, p, endpoint!, src, dst), src, dst))) };
}

/** Facts: the source rows of the buckets, below the checkpoint, staged as one batch. */
export async function extractRepair(deps: ActivityDeps, warehouse: WarehouseDialect, req: RepairRequest, progress: Progress, signal?: AbortSignal): Promise<StagedBatch> {
  let batch: StagedBatch | undefined;
  const { p, run } = open(deps, warehouse, req, async (t, src) => {
    if (p.kind !== 'fact' || req.cutoff === null) throw badInput(`pipeline ${req.pipeline}: bucket repair stages rows of fact pipelines with a checkpoint`);
    const extractedAt = new Date().toISOString();
    const sql = bucketCopySql(t.source, t.sourceColumns, req.buckets, req.only, req.cutoff);
    const file = await copyToStage(src, sql, deps.stage, `${req.stagePrefix}/part-00000.csv.gz`, progress, signal);
    const unit: FactUnit = {
      kind: 'fact',
      pipeline: req.pipeline,
      region: req.region,
      source: req.source,
      stream: t.stream,
      batchId: req.batchId,
      stagePrefix: req.stagePrefix,
      // A repair never moves the checkpoint: it rewrites rows below it.
      checkpoint: null,
      from: null,
      to: req.cutoff,
      after: null,
      until: null,
    };
    batch = { unit, columns: t.sourceColumns, stagedColumns: t.sourceColumns, files: [file], rows: file.rows, extractedAt, checksum: `sha256:${file.sha256}` };
  });
  await run();
  return batch!;
}

/** Facts: deletes the buckets' warehouse rows whose key the source no longer has; one transaction with its ledger row. */
export async function deleteExtra(deps: ActivityDeps, warehouse: WarehouseDialect, req: RepairRequest): Promise<{ deleted: number }> {
  let deleted = 0;
  const { run } = open(deps, warehouse, req, async (t, src, dst) => {
    if (!t.warehouse) return;
    const keys = await src.query<Record<string, string>>(bucketKeysSql(t.source, req.buckets), [req.only]);
    deleted = await dst.deleteExtra({
      ledgerId: `${req.batchId}:delete`,
      pipeline: req.pipeline,
      region: req.region,
      source: req.source,
      stream: t.stream,
      cutoff: req.cutoff,
      target: t.warehouse,
      key: t.key,
      keep: t.key.map((_, i) => keys.rows.map((r) => r[`k${i}`]!)),
      keepTexts: keys.rows.map((r) => r.kt!),
      buckets: req.buckets,
      only: req.only,
    });
  });
  await run();
  return { deleted };
}

/**
 * Dimensions: forgets the stored row hashes of the buckets (the next merge sees those rows as
 * changed) and returns the whole-table unit whose merge rewrites them and deletes missing keys.
 */
export async function invalidateBuckets(deps: ActivityDeps, warehouse: WarehouseDialect, req: RepairRequest): Promise<{ invalidated: number; unit: DimensionUnit }> {
  let invalidated = 0;
  let stream = '';
  const { p, run } = open(deps, warehouse, req, async (t, src, dst) => {
    stream = t.stream;
    if (p.kind !== 'dimension') throw badInput(`pipeline ${req.pipeline}: only dimension pipelines keep row hashes`);
    if (!t.warehouse) return;
    // Only the rows that differ: the merge then rewrites them, inserts the missing, deletes the extra.
    const keys = changedKeys(await pgBucketReader(src).bucketRows(t.source, req.buckets, t.cutoff, req.only), await dst.bucketRows(t.warehouse, req.buckets, t.cutoff, req.only));
    if (keys.length) invalidated = await dst.invalidateHashes(t.warehouse, req.source, keys);
  });
  await run();
  return {
    invalidated,
    unit: { kind: 'dimension', pipeline: req.pipeline, region: req.region, source: req.source, stream, batchId: req.batchId, stagePrefix: req.stagePrefix, checkpoint: null, window: null },
  };
}
