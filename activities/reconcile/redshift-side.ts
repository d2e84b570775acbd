// The Redshift warehouse's side of verify and repair: bucket reads in Redshift SQL through the
// Data API (warehouse/redshift/bucket-sql.ts) and the dimension repair's row-hash reset. Fact
// repair's deletes and CDC's key deletes are not built on Redshift yet: they refuse, naming why.
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import type { WarehouseConfig } from '../../config/schema.js';
import { badInput } from '../errors.js';
import { sourceRowForm, redshiftAggregateSql, redshiftBucketRowsSql, redshiftInvalidateSqls, type RedshiftBucketTable } from '../warehouse/redshift/bucket-sql.js';
import { DataApi } from '../warehouse/redshift/data-api.js';
import { foldName } from '../warehouse/redshift/identifiers.js';
import { TARGET_COLUMNS_SQL } from '../warehouse/redshift/merge-sql.js';
import { keySpecs, type BucketTable } from './bucket-sql.js';
import type { WarehouseSide } from './side.js';

type RedshiftConfig = Extract<WarehouseConfig, { type: 'redshift' }>;

function table(t: BucketTable): RedshiftBucketTable {
  if (!t.warehouse) throw badInput(`${t.schema}.${t.table}: a warehouse read needs its source`);
  return { schema: t.schema, table: t.table, key: keySpecs(t), columns: t.columns, watermark: t.watermark, source: t.warehouse.source, softDeletes: t.warehouse.softDeletes };
}

const notBuilt = (what: string) => () => Promise.reject(badInput(`${what} is not built for a Redshift warehouse yet`));

export function redshiftSide(api: DataApi): WarehouseSide {
  return {
    sourceForm: sourceRowForm,
    async aggregates(t, buckets, cutoff, only) {
      const q = redshiftAggregateSql(table(t), buckets, cutoff, only);
      const rows = await api.query(q.sql, q.params, `bucket checksums of ${t.schema}.${t.table}`);
      return rows.map((r) => ({ bucket: Number(r.bucket_no), rows: Number(r.row_count), total: String(r.total) }));
    },
    async bucketRows(t, buckets, _cutoff, which) {
      if (which.length === 0) return [];
      const q = redshiftBucketRowsSql(table(t), buckets, which);
      const rows = await api.query(q.sql, q.params, `bucket rows of ${t.schema}.${t.table}`);
      return rows.map((r) => ({ bucket: Number(r.b), key: String(r.k), hash: String(r.h), pending: false }));
    },
    async targetColumns(schema, name) {
      const rows = await api.query(TARGET_COLUMNS_SQL, { schema: foldName(schema), table: foldName(name) }, 'read the target columns');
      return new Set(rows.map((r) => String(r.column_name)));
    },
    async invalidateHashes(t, source, keys) {
      let n = 0;
      for (const stmt of redshiftInvalidateSqls({ ...table(t), source }, keys)) n += await api.execute(stmt, {}, `row-hash reset of ${t.schema}.${t.table}`);
      return n;
    },
    deleteExtra: notBuilt('fact repair (deleting rows the source lacks)'),
    deleteKeysBefore: notBuilt('CDC repair'),
    deleteOlderRows: notBuilt('resnapshot gap deletes'),
    targetOffsets: notBuilt('topic verify'),
    deadLetterOffsets: notBuilt('topic verify'),
  };
}

export const openRedshiftSide = (w: RedshiftConfig) => new DataApi(new RedshiftDataClient({ region: w.awsRegion }), w);
