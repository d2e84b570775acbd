// Runs the bucket queries on one side (a source or the warehouse) and types their rows.
import type pg from 'pg';
import { bucketAggregateSql, bucketRowsSql, type BucketTable } from './bucket-sql.js';
import type { BucketAggregate, BucketRow } from './compare.js';

/** Per-bucket count and checksum; `only` limits the buckets (null: all). */
export async function readAggregates(c: pg.Client, t: BucketTable, buckets: number, cutoff: string | null, only: number[] | null): Promise<BucketAggregate[]> {
  const q = bucketAggregateSql(t, buckets, cutoff);
  const res = await c.query<{ bucket: number; rows: string; total: string }>(q.sql, [only, ...q.params]);
  return res.rows.map((r) => ({ bucket: Number(r.bucket), rows: Number(r.rows), total: r.total }));
}

/** Every row of some buckets: key text, row hash, pending. */
export async function readBucketRows(c: pg.Client, t: BucketTable, buckets: number, cutoff: string | null, which: number[]): Promise<BucketRow[]> {
  const q = bucketRowsSql(t, buckets, cutoff);
  const res = await c.query<{ b: number; k: string; h: string; p: boolean }>(q.sql, [which, ...q.params]);
  return res.rows.map((r) => ({ bucket: Number(r.b), key: r.k, hash: r.h, pending: r.p }));
}
