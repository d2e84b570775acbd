import { describe, expect, it } from 'vitest';
import {
  bucketAggregateSql,
  bucketCopySql,
  bucketExpr,
  bucketRowsSql,
  checkBuckets,
  deleteExtraSql,
  invalidateHashesSql,
  keepKeysSql,
  type BucketTable,
} from '../../activities/reconcile/bucket-sql.js';
import { ORDERS_COLUMNS } from './orders-columns.js';

const columns = ORDERS_COLUMNS;
const source: BucketTable = { schema: 'public', table: 'orders', key: ['id'], columns, watermark: { column: 'updated_at', type: 'timestamp with time zone' } };
const warehouse: BucketTable = { ...source, schema: 'analytics', warehouse: { source: 'app/us', softDeletes: false } };

describe('reconcile SQL', () => {
  it('buckets by the md5 of the key text, the same expression on both sides', () => {
    expect(bucketExpr(['id', 'Tenant'], 64)).toBe(`((('x' || substr(md5(ROW("id", "Tenant")::text), 1, 8))::bit(32)::int & 2147483647) % 64)`);
    expect(() => bucketExpr(['id'], 0)).toThrow(/1 to 65536/);
    expect(() => checkBuckets(1.5)).toThrow(/whole number/);
  });

  it('aggregates per bucket below the cutoff; the warehouse side reads one source, bound as a parameter', () => {
    const s = bucketAggregateSql(source, 16, '2026-01-01T00:00:00.000000Z');
    expect(s.sql).toContain('md5(ROW("id", "Note", "updated_at")::text)');
    expect(s.sql).toContain('WHERE "updated_at" < $2::timestamptz');
    expect(s.params).toEqual(['2026-01-01T00:00:00.000000Z']);
    const w = bucketAggregateSql(warehouse, 16, '2026-01-01T00:00:00.000000Z');
    expect(w.sql).toContain('WHERE _source = $2 AND "updated_at" < $3::timestamptz');
    expect(w.params).toEqual(['app/us', '2026-01-01T00:00:00.000000Z']);
    // Dimensions without a checkpoint column compare every row; soft-deleted rows are not live.
    const dim = bucketAggregateSql({ ...warehouse, watermark: undefined, warehouse: { source: 'app/us', softDeletes: true } }, 16, null);
    expect(dim.sql).toContain('WHERE _source = $2 AND NOT _deleted');
    expect(dim.params).toEqual(['app/us']);
  });

  it('marks source rows at or after the cutoff as pending in the key-by-key read', () => {
    const s = bucketRowsSql(source, 16, '2026-01-01T00:00:00.000000Z');
    expect(s.sql).toContain('"updated_at" >= $2::timestamptz AS p');
    expect(s.params).toEqual(['2026-01-01T00:00:00.000000Z']);
    const w = bucketRowsSql(warehouse, 16, '2026-01-01T00:00:00.000000Z');
    expect(w.sql).toContain('false AS p');
    expect(w.params).toEqual(['app/us']);
  });

  it('stages the repair rows of the drifted buckets below the cutoff, with checked buckets and a quoted cutoff', () => {
    expect(bucketCopySql(source, columns, 16, [3, 9], "2026-01-01T00:00:00.000000Z")).toBe(
      `COPY (SELECT "id", "Note", "updated_at" FROM "public"."orders" WHERE ${bucketExpr(['id'], 16)} IN (3, 9) AND "updated_at" < '2026-01-01T00:00:00.000000Z'::timestamptz) TO STDOUT WITH (FORMAT csv)`,
    );
    expect(() => bucketCopySql(source, columns, 16, [16], null)).toThrow(/bucket 16 is not in 0..15/);
  });

  it('deletes only warehouse rows of the source whose key the source lacks, keys bound as typed arrays', () => {
    expect(keepKeysSql([{ name: 'id', type: 'bigint' }])).toEqual([
      'CREATE TEMP TABLE "tributary_keep" ("id" bigint) ON COMMIT DROP',
      'INSERT INTO "tributary_keep" SELECT u.k0::bigint FROM unnest($1::text[]) AS u(k0)',
    ]);
    const del = deleteExtraSql(warehouse, 16);
    expect(del).toContain('t._source = $1');
    expect(del).toContain('= ANY($2::int[])');
    expect(del).toContain('NOT EXISTS (SELECT 1 FROM "tributary_keep" k WHERE k."id" = t."id")');
    expect(invalidateHashesSql(warehouse)).toBe('UPDATE "analytics"."orders" SET _row_hash = NULL WHERE _source = $1 AND ROW("id")::text = ANY($2::text[])');
  });
});
