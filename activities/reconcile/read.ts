// Reads the buckets of one side. Both sides answer the same two questions; a PostgreSQL server
// (every source, and the PostgreSQL warehouse) answers them with the SQL of bucket-sql.ts.
import type pg from 'pg';
import { bucketAggregateSql, bucketRowsSql, type BucketTable } from './bucket-sql.js';
import type { BucketAggregate, BucketRow } from './compare.js';

export interface BucketReader {
  /** Per-bucket count and checksum; `only` limits the buckets (null: all). */
  aggregates(t: BucketTable, buckets: number, cutoff: string | null, only: number[] | null): Promise<BucketAggregate[]>;
  /** Every row of some buckets: key text, row hash, pending. */
  bucketRows(t: BucketTable, buckets: number, cutoff: string | null, which: number[]): Promise<BucketRow[]>;
}

export function pgBucketReader(c: pg.Client): BucketReader {
  return {
    async aggregates(t, buckets, cutoff, only) {
      const q = bucketAggregateSql(t, buckets, cutoff);
      const res = await c.query<{ bucket: number; rows: string; total: string }>(q.sql, [only, ...q.params]);
      return res.rows.map((r) => ({ bucket: Number(r.bucket), rows: Number(r.rows), total: r.total }));
    },
    async bucketRows(t, buckets, cutoff, which) {
      const q = bucketRowsSql(t, buckets, cutoff);
      const res = await c.query<{ b: number; k: string; h: string; p: boolean }>(q.sql, [which, ...q.params]);
      return res.rows.map((r) => ({ bucket: Number(r.b), key: r.k, hash: r.h, pending: r.p }));
    },
  };
}
