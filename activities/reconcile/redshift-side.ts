// The Redshift warehouse's side of verify and repair, in Redshift SQL through the Data API: bucket
// reads (warehouse/redshift/bucket-sql.ts), a topic target's offsets and dead letters
// (topic-verify-sql.ts), the dimension repair's row-hash reset, the fact repair's delete of the
// keys the source lacks, and a CDC target's deletes below an LSN (cdc-repair-sql.ts): a repair's
// of the keys the source lacks, a resnapshot's of the rows it did not write.
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import type { WarehouseConfig } from '../../config/schema.js';
import { badInput } from '../errors.js';
import { sourceRowForm, redshiftAggregateSql, redshiftBucketRowsSql, redshiftDeleteExtraBatch, redshiftInvalidateSqls, type RedshiftBucketTable } from '../warehouse/redshift/bucket-sql.js';
import { DEAD_LETTERS_TABLE } from '../warehouse/redshift/offsets-sql.js';
import { redshiftDeadLetterOffsetsSql, redshiftTargetOffsetsSql } from '../warehouse/redshift/topic-verify-sql.js';
import { extraKeys } from './compare.js';
import { DataApi } from '../warehouse/redshift/data-api.js';
import { foldName } from '../warehouse/redshift/identifiers.js';
import { findBatchSql, TARGET_COLUMNS_SQL, type Param } from '../warehouse/redshift/merge-sql.js';
import { redshiftDeleteOlderKeysBatch, redshiftDeleteOlderRowsBatch } from '../warehouse/redshift/cdc-repair-sql.js';
import { keySpecs, type BucketTable } from './bucket-sql.js';
import { dependsOnStoredType, storedInRedshift } from '../../types/render.js';
import { repairChecksum, type WarehouseSide } from './side.js';

type RedshiftConfig = Extract<WarehouseConfig, { type: 'redshift' }>;

function table(t: BucketTable): RedshiftBucketTable {
  if (!t.warehouse) throw badInput(`${t.schema}.${t.table}: a warehouse read needs its source`);
  return { schema: t.schema, table: t.table, key: keySpecs(t), columns: t.columns, watermark: t.watermark, source: t.warehouse.source, softDeletes: t.warehouse.softDeletes };
}

const offsets = (rows: Record<string, unknown>[]) => rows.map((r) => Number(r.o));

/** Runs a CDC delete batch (a retry of the same name resumes it while it runs) and reads its count back. */
async function runDelete(api: DataApi, plan: { sqls: string[]; parameters: Param[]; result: number }, name: string, label: string): Promise<number> {
  const run = await api.batch(plan.sqls, plan.parameters, name, { heartbeat: () => undefined });
  const [row] = await api.rows(`${run.Id}:${plan.result + 1}`);
  if (!row) throw new Error(`${label}: the delete finished but its count was not read back`);
  return Number(row.deleted);
}

export function redshiftSide(api: DataApi, stateSchema: string): WarehouseSide {
  /** The target's columns and their information_schema data types (none: no table yet). */
  const columnTypes = async (schema: string, name: string) => {
    const rows = await api.query(TARGET_COLUMNS_SQL, { schema: foldName(schema), table: foldName(name) }, 'read the target columns');
    return new Map(rows.map((r) => [String(r.column_name), String(r.data_type)]));
  };
  const columnsOf = async (schema: string, name: string) => new Set((await columnTypes(schema, name)).keys());
  /** The table with its columns as the target stores them, read only where that changes the SQL (PostGIS columns). */
  const stored = async (t: BucketTable): Promise<RedshiftBucketTable> => {
    const base = table(t);
    if (!base.columns.some(dependsOnStoredType)) return base;
    const types = await columnTypes(t.schema, t.table);
    // As written, or folded to lower case as Redshift does unless its identifiers are case-sensitive.
    return { ...base, columns: base.columns.map((c) => storedInRedshift(c, types.get(c.name) ?? types.get(foldName(c.name)))) };
  };
  const side: WarehouseSide = {
    sourceForm: sourceRowForm,
    async aggregates(t, buckets, cutoff, only) {
      const q = redshiftAggregateSql(await stored(t), buckets, cutoff, only);
      const rows = await api.query(q.sql, q.params, `bucket checksums of ${t.schema}.${t.table}`);
      return rows.map((r) => ({ bucket: Number(r.bucket_no), rows: Number(r.row_count), total: String(r.total) }));
    },
    async bucketRows(t, buckets, _cutoff, which) {
      if (which.length === 0) return [];
      const q = redshiftBucketRowsSql(await stored(t), buckets, which);
      const rows = await api.query(q.sql, q.params, `bucket rows of ${t.schema}.${t.table}`);
      return rows.map((r) => ({ bucket: Number(r.b), key: String(r.k), hash: String(r.h), pending: false }));
    },
    targetColumns: columnsOf,
    async invalidateHashes(t, source, keys) {
      let n = 0;
      for (const stmt of redshiftInvalidateSqls({ ...table(t), source }, keys)) n += await api.execute(stmt, {}, `row-hash reset of ${t.schema}.${t.table}`);
      return n;
    },
    async deleteExtra(d) {
      const what = `repair of ${d.target.schema}.${d.target.table}`;
      const [done] = await api.query(findBatchSql(stateSchema), { batch_id: d.ledgerId }, `look up the ${what}`);
      if (done) return Number(done.deleted);
      // The warehouse's keys of the buckets that the source lacks, by the key texts verify compared.
      const extra = extraKeys(d.keepTexts, await side.bucketRows(d.target, d.buckets, null, d.only));
      const t = { ...table(d.target), source: d.source };
      const values = { batchId: d.ledgerId, pipeline: d.pipeline, region: d.region, source: d.source, stream: d.stream, rangeTo: d.cutoff, checksum: repairChecksum(d), loadedAt: new Date().toISOString() };
      const plan = redshiftDeleteExtraBatch(t, stateSchema, { buckets: d.buckets, only: d.only, extra }, values);
      const run = await api.batch(plan.sqls, plan.parameters, `tributary-repair/${d.ledgerId}`, { heartbeat: () => undefined });
      const [row] = await api.rows(`${run.Id}:${plan.result + 1}`);
      if (!row) throw new Error(`${what}: the delete finished but ${d.ledgerId} is not in the ledger`);
      return Number(row.deleted);
    },
    async deleteKeysBefore(t, keys, lsn, label) {
      const plan = redshiftDeleteOlderKeysBatch({ ...table(t), source: t.warehouse.source }, keys, { lsn, loadedAt: new Date().toISOString(), label });
      // Named by the target, the clusters and the position: a retry of this delete resumes it if
      // still running, and another pipeline's repair at the same position does not.
      return runDelete(api, plan, `tributary-cdc-repair/${t.schema}.${t.table}/${t.warehouse.source.join(',')}/${lsn}`, label);
    },
    async deleteOlderRows(t, lsn, scope, label) {
      const plan = redshiftDeleteOlderRowsBatch({ ...table(t), source: t.warehouse.source }, scope, { lsn, loadedAt: new Date().toISOString(), label });
      // Named by the target, the signal's position and the step (a chunk's bound, or the end).
      return runDelete(api, plan, `tributary-resnapshot-delete/${t.schema}.${t.table}/${lsn}/${scope.upTo?.join(',') ?? 'end'}`, label);
    },
    async targetOffsets(t, r) {
      if ((await columnsOf(t.schema, t.table)).size === 0) return [];
      const q = redshiftTargetOffsetsSql(t, r);
      return offsets(await api.query(q.sql, q.params, `offsets of ${t.schema}.${t.table}`));
    },
    async deadLetterOffsets(pipeline, topic, r) {
      // No dead-letter table yet: nothing was dead-lettered.
      if ((await columnsOf(stateSchema, DEAD_LETTERS_TABLE)).size === 0) return [];
      const q = redshiftDeadLetterOffsetsSql(stateSchema, pipeline, topic, r);
      return offsets(await api.query(q.sql, q.params, `dead letters of ${pipeline}`));
    },
  };
  return side;
}

export const openRedshiftSide = (w: RedshiftConfig) => new DataApi(new RedshiftDataClient({ region: w.awsRegion }), w);
