// What reconciliation reads for one pipeline and source server: the source table, its warehouse
// target, the columns both have, the checkpoint cutoff. Shared by verify and repair.
import type pg from 'pg';
import { findPipeline, postgresEndpoints, sourceTable, targetTable, type PostgresEndpoint } from '../../config/resolve.js';
import type { DimensionPipelineConfig, FactPipelineConfig } from '../../config/schema.js';
import type { ActivityDeps } from '../deps.js';
import { badInput } from '../errors.js';
import { tableColumns } from '../sources/postgres/columns.js';
import { type ColumnSpec } from '../specs/columns.js';
import { boundStateStream, parseState } from '../sources/postgres/in-flight.js';
import { checkpointStream } from '../sources/postgres/watermark-zone.js';
import { keyColumns, watermarkType } from '../sources/postgres/watermark-sql.js';
import type { WarehouseDialect } from '../warehouse/dialect.js';
import type { BucketTable } from './bucket-sql.js';
import type { WarehouseSide } from './side.js';

export type ReconcilablePipeline = FactPipelineConfig | DimensionPipelineConfig;

export function reconcilablePipeline(deps: ActivityDeps, name: string): ReconcilablePipeline {
  const p = findPipeline(deps.config, name);
  if (p.kind !== 'fact' && p.kind !== 'dimension') throw badInput(`pipeline ${p.name}: verify and backfill work on fact and dimension pipelines, not ${p.kind}`);
  return p;
}

/** The region's source servers, or the one named. */
export function endpointsOf(deps: ActivityDeps, p: ReconcilablePipeline, region: string, source?: string): PostgresEndpoint[] {
  const all = postgresEndpoints(deps.config, p.source, region);
  if (source === undefined) return all;
  const one = all.filter((e) => e.id === source);
  if (one.length === 0) throw badInput(`pipeline ${p.name}: no source server "${source}" in region ${region} (servers: ${all.map((e) => e.id).join(', ')})`);
  return one;
}

/** The column the checkpoint is kept on: the fact watermark, or an incremental dimension's change column. */
export function cutoffColumn(p: ReconcilablePipeline): string | undefined {
  return p.kind === 'fact' ? p.watermark : p.options.incremental?.column;
}

export interface ReconcileTables {
  label: string;
  stream: string;
  /** Every source column, in table order (what a repair batch carries). */
  sourceColumns: ColumnSpec[];
  key: ColumnSpec[];
  source: BucketTable;
  /** Null when the warehouse has no target table yet. */
  warehouse: BucketTable | null;
  /** Rows at or above it are the next run's; null when there is no checkpoint column. */
  cutoff: string | null;
  /** A checkpoint column exists but nothing was synced yet. */
  neverSynced: boolean;
}

export async function reconcileTables(
  deps: ActivityDeps,
  warehouse: WarehouseDialect,
  p: ReconcilablePipeline,
  endpoint: PostgresEndpoint,
  src: pg.Client,
  dst: WarehouseSide,
): Promise<ReconcileTables> {
  const [schema, table] = sourceTable(p.table);
  const [tSchema, tTable] = targetTable(deps.config, p);
  const stream = `${schema}.${table}`;
  const label = `pipeline ${p.name}, source ${endpoint.id}`;
  const sourceColumns = await tableColumns(src, schema, table, label);
  const key = keyColumns(sourceColumns, p.key, label);
  const column = cutoffColumn(p);
  const watermark = column === undefined ? undefined : { column, type: watermarkType(sourceColumns, column, label) };
  const where = { pipeline: p.name, region: endpoint.region, source: endpoint.id };
  // A naive watermark read in a zone keeps its checkpoint under a stream of that zone (docs/watermarks.md).
  const zone = parseState(await warehouse.readCheckpoint({ ...where, stream: boundStateStream(stream) }))?.zone ?? 'UTC';
  const cutoff = column === undefined ? null : await warehouse.readCheckpoint({ ...where, stream: checkpointStream(stream, true, zone) });
  const targetCols = await dst.targetColumns(tSchema, tTable);
  // Compared: what both sides hold (a column ignored by onNewColumn: ignore is not the warehouse's to have).
  const columns = sourceColumns.filter((c) => targetCols.has(c.name));
  const softDeletes = p.kind === 'dimension' && p.options.deletes === 'soft';
  return {
    label,
    stream,
    sourceColumns,
    key,
    source: { schema, table, key: p.key, columns, watermark, ...(dst.sourceForm ? { form: dst.sourceForm } : {}) },
    warehouse: targetCols.size === 0 ? null : { schema: tSchema, table: tTable, key: p.key, columns, watermark, warehouse: { source: endpoint.id, softDeletes } },
    cutoff,
    neverSynced: column !== undefined && cutoff === null,
  };
}
