// Pure comparison of source and warehouse: first per bucket (count and checksum), then, for the
// buckets that differ, key by key, which tells real drift from rows the next run will bring.
import type { BucketDrift } from '../types.js';

export interface BucketAggregate {
  bucket: number;
  rows: number;
  /** Sum of the bucket's row numbers, as text (it outgrows a JS number). */
  total: string;
}

export interface BucketRow {
  bucket: number;
  /** The key's text form. */
  key: string;
  /** md5 of the row's text form. */
  hash: string;
  /** Source side, facts: changed at or after the checkpoint, so not due in the warehouse yet. */
  pending: boolean;
}

/** Buckets whose count or checksum differ, or that only one side has, in order. */
export function candidateBuckets(source: readonly BucketAggregate[], warehouse: readonly BucketAggregate[]): number[] {
  const w = new Map(warehouse.map((a) => [a.bucket, a]));
  const s = new Map(source.map((a) => [a.bucket, a]));
  const out = new Set<number>();
  for (const a of source) {
    const b = w.get(a.bucket);
    if (!b || b.rows !== a.rows || b.total !== a.total) out.add(a.bucket);
  }
  for (const b of warehouse) if (!s.has(b.bucket)) out.add(b.bucket);
  return [...out].sort((x, y) => x - y);
}

export interface RowComparison {
  drifted: BucketDrift[];
  /** Source rows left out because they are the next run's. */
  pending: number;
}

/**
 * Key by key: a source key the warehouse lacks is missing, a warehouse key the source lacks is
 * extra, a key whose rows differ is changed. A source row marked pending is not compared: the
 * warehouse may hold its older version or none until the next run.
 */
export function compareRows(source: readonly BucketRow[], warehouse: readonly BucketRow[]): RowComparison {
  const drift = new Map<number, BucketDrift>();
  const of = (bucket: number) => {
    let d = drift.get(bucket);
    if (!d) drift.set(bucket, (d = { bucket, sourceRows: 0, warehouseRows: 0, missing: 0, extra: 0, changed: 0 }));
    return d;
  };
  const inWarehouse = new Map(warehouse.map((r) => [r.key, r]));
  const atSource = new Set<string>();
  let pending = 0;
  for (const r of source) {
    atSource.add(r.key);
    of(r.bucket).sourceRows++;
    if (r.pending) {
      pending++;
      continue;
    }
    const w = inWarehouse.get(r.key);
    if (!w) of(r.bucket).missing++;
    else if (w.hash !== r.hash) of(r.bucket).changed++;
  }
  for (const r of warehouse) {
    of(r.bucket).warehouseRows++;
    if (!atSource.has(r.key)) of(r.bucket).extra++;
  }
  const drifted = [...drift.values()].filter((d) => d.missing + d.extra + d.changed > 0).sort((a, b) => a.bucket - b.bucket);
  return { drifted, pending };
}

/** Keys on both sides whose rows differ (pending source rows left out): the rows a repair rewrites. */
export function changedKeys(source: readonly BucketRow[], warehouse: readonly BucketRow[]): string[] {
  const inWarehouse = new Map(warehouse.map((r) => [r.key, r.hash]));
  return source.filter((r) => !r.pending && inWarehouse.has(r.key) && inWarehouse.get(r.key) !== r.hash).map((r) => r.key);
}

/** Warehouse keys the source lacks (`atSource`: the source's key texts of the same buckets): the rows a fact repair deletes. */
export function extraKeys(atSource: readonly string[], warehouse: readonly BucketRow[]): string[] {
  const keep = new Set(atSource);
  return [...new Set(warehouse.map((r) => r.key).filter((k) => !keep.has(k)))];
}
