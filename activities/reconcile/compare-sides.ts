// One source table against its warehouse target: per-bucket counts and checksums on both sides,
// then key by key in the buckets that differ. Shared by verify of pull and CDC pipelines.
import type { SourceVerify } from '../types.js';
import type { BucketTable } from './bucket-sql.js';
import { candidateBuckets, compareRows, type BucketAggregate } from './compare.js';
import type { BucketReader } from './read.js';

/** `t.warehouse` null: the warehouse has no target table yet. */
export async function compareSides(
  src: BucketReader,
  dst: BucketReader,
  source: string,
  t: { source: BucketTable; warehouse: BucketTable | null; cutoff: string | null },
  buckets: number,
  only: number[] | null,
): Promise<SourceVerify> {
  const empty = { source, cutoff: t.cutoff, sourceRows: 0, warehouseRows: 0, bucketsCompared: 0, drifted: [], pending: 0 };
  const srcAgg = await src.aggregates(t.source, buckets, t.cutoff, only);
  const dstAgg = t.warehouse ? await dst.aggregates(t.warehouse, buckets, t.cutoff, only) : [];
  const compared = new Set([...srcAgg, ...dstAgg].map((a) => a.bucket)).size;
  const base = { ...empty, sourceRows: sum(srcAgg), warehouseRows: sum(dstAgg), bucketsCompared: compared };
  const candidates = candidateBuckets(srcAgg, dstAgg);
  if (candidates.length === 0) return base;
  const srcRows = await src.bucketRows(t.source, buckets, t.cutoff, candidates);
  const dstRows = t.warehouse ? await dst.bucketRows(t.warehouse, buckets, t.cutoff, candidates) : [];
  const { drifted, pending } = compareRows(srcRows, dstRows);
  return { ...base, drifted, pending, ...(t.warehouse ? {} : { note: 'the warehouse has no target table yet' }) };
}

const sum = (a: BucketAggregate[]) => a.reduce((n, x) => n + x.rows, 0);
