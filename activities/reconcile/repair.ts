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
import { LOCK_SQL, findBatchSql, insertBatchSql } from '../warehouse/postgres/merge-sql.js';
import { bucketCopySql, bucketKeysSql, checkBuckets, deleteExtraSql, invalidateHashesSql, keepKeysSql } from './bucket-sql.js';
import { changedKeys } from './compare.js';
import { readBucketRows } from './read.js';
import { endpointsOf, reconcilablePipeline, reconcileTables, warehousePg, type ReconcileTables } from './tables.js';

type Progress = (bytes: number) => void;

function open(deps: ActivityDeps, warehouse: WarehouseDialect, req: RepairRequest, fn: (t: ReconcileTables, src: pg.Client, dst: pg.Client) => Promise<unknown>) {
  checkBuckets(req.buckets);
  const p = reconcilablePipeline(deps, req.pipeline);
  const [endpoint] = endpointsOf(deps, p, req.region, req.source);
  return { p, endpoint: endpoint!, run: () => withPg(sourceTarget(endpoint!), deps.secrets, (src) => withPg(warehousePg(deps.config), deps.secrets, async (dst) => fn(await reconcileTables(deps, warehouse, p, endpoint!, src, dst), src, dst))) };
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
    const columns = t.key.map((_, i) => keys.rows.map((r) => r[`k${i}`]!));
    const schema = stateSchema(deps);
    const ledgerId = `${req.batchId}:delete`;
    await dst.query('BEGIN');
    try {
      await dst.query(LOCK_SQL, [`tributary:${t.warehouse.schema}.${t.warehouse.table}`]);
      const done = await dst.query<{ deleted: string }>(findBatchSql(schema), [ledgerId]);
      if (done.rows[0]) {
        deleted = Number(done.rows[0].deleted);
        await dst.query('COMMIT');
        return;
      }
      for (const stmt of keepKeysSql(t.key)) await dst.query(stmt, stmt.startsWith('INSERT') ? columns : []);
      deleted = (await dst.query(deleteExtraSql(t.warehouse, req.buckets), [req.source, req.only])).rowCount ?? 0;
      await dst.query(insertBatchSql(schema), [
        ledgerId, req.pipeline, req.region, req.source, t.stream, `${t.warehouse.schema}.${t.warehouse.table}`,
        null, req.cutoff, 0, 0, 0, 0, deleted, `repair:buckets ${req.only.join(',')} of ${req.buckets}`,
      ]);
      await dst.query('COMMIT');
    } catch (err) {
      await dst.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
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
    const keys = changedKeys(await readBucketRows(src, t.source, req.buckets, t.cutoff, req.only), await readBucketRows(dst, t.warehouse, req.buckets, t.cutoff, req.only));
    if (keys.length) invalidated = (await dst.query(invalidateHashesSql(t.warehouse), [req.source, keys])).rowCount ?? 0;
  });
  await run();
  return {
    invalidated,
    unit: { kind: 'dimension', pipeline: req.pipeline, region: req.region, source: req.source, stream, batchId: req.batchId, stagePrefix: req.stagePrefix, checkpoint: null, window: null },
  };
}

function stateSchema(deps: ActivityDeps): string {
  return deps.config.warehouse.schema;
}
