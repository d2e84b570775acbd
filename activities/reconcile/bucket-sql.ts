// Pure SQL for reconciliation on PostgreSQL (sources and the local warehouse). Rows are bucketed
// by a hash of the key's text form and hashed as md5(ROW(cols)::text), the same canonical form as
// the dimension row hash: with the same column types on both sides, equal rows give equal text.
// Identifiers are quoted; values are bind parameters, except in COPY (no parameters there),
// where they are quoted literals and checked integers.
import pg from 'pg';
import type { ColumnSpec } from '../specs/columns.js';
import { rowHashExpr } from '../sources/postgres/snapshot-sql.js';
import type { WatermarkType } from '../sources/postgres/watermark-sql.js';
import { badInput } from '../errors.js';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

export const MAX_BUCKETS = 65_536;

/** Retrying cannot fix a bad bucket count: non-retryable in an activity. */
export function checkBuckets(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_BUCKETS) throw badInput(`buckets must be a whole number from 1 to ${MAX_BUCKETS}, got ${n}`);
  return n;
}

/** A table read: where the rows are and which of them count. */
export interface BucketTable {
  schema: string;
  table: string;
  key: string[];
  /** Columns hashed per row: the source's columns the warehouse also has, in source order. */
  columns: ColumnSpec[];
  /** Facts: the watermark column and its type, for the checkpoint cutoff. */
  watermark?: { column: string; type: WatermarkType };
  /**
   * Warehouse side: rows of one source server only (its _source), soft-deleted rows left out. A
   * CDC target names its rows by the Kafka clusters the changes came through: any of them.
   */
  warehouse?: { source: string | string[]; softDeletes: boolean };
  /** Source side: the text form the warehouse compares with (none: the record form, md5(ROW(...)::text)). */
  form?: RowForm;
}

/** How a PostgreSQL source writes a row for a warehouse whose text of a record is not PostgreSQL's. */
export interface RowForm {
  /** A text expression naming one key. */
  key(key: ColumnSpec[]): string;
  /** The md5 (hex) of a row. */
  row(columns: ColumnSpec[]): string;
}

const RECORD_FORM: RowForm = {
  key: (key) => `ROW(${key.map((k) => ident(k.name)).join(', ')})::text`,
  row: (columns) => rowHashExpr(columns),
};

/** The key columns' specs (key columns are among the compared ones). */
export function keySpecs(t: BucketTable): ColumnSpec[] {
  return t.key.map((k) => {
    const spec = t.columns.find((c) => c.name === k);
    if (!spec) throw badInput(`${t.schema}.${t.table}: key column "${k}" is not among the compared columns`);
    return spec;
  });
}
const keyText = (t: BucketTable) => (t.form ? t.form.key(keySpecs(t)) : RECORD_FORM.key(t.key.map((name) => ({ name, type: '' }))));
const rowHash = (t: BucketTable) => (t.form ?? RECORD_FORM).row(t.columns);
const bucketOf = (t: BucketTable, buckets: number) => `((('x' || substr(md5(${keyText(t)}), 1, 8))::bit(32)::int & 2147483647) % ${checkBuckets(buckets)})`;

/** How the source's SQL names a key as the warehouse's verify does: its text, and its bucket. */
export interface KeyNaming {
  text: string;
  bucket(buckets: number): string;
}

/** A table read's key naming (its form's, else the record form's), for a resnapshot's filter. */
export const keyNaming = (t: BucketTable): KeyNaming => ({ text: keyText(t), bucket: (n) => bucketOf(t, n) });

/** The _source condition of a warehouse read, on parameter n. */
const sourceIs = (source: string | string[], n: number) => (Array.isArray(source) ? `_source = ANY($${n}::text[])` : `_source = $${n}`);

const from = (t: BucketTable) => `${ident(t.schema)}.${ident(t.table)}`;
const wmCast = (type: WatermarkType) => (type === 'timestamp with time zone' ? 'timestamptz' : 'timestamp');

/** The bucket of a row, 0..buckets-1: the first 31 bits of the md5 of its key's text. */
export function bucketExpr(key: string[], buckets: number): string {
  return `((('x' || substr(md5(ROW(${key.map(ident).join(', ')})::text), 1, 8))::bit(32)::int & 2147483647) % ${checkBuckets(buckets)})`;
}

/** 60 bits of a row's md5 as a positive bigint: their sum is an order-free checksum of a bucket. */
const rowNumber = (t: BucketTable) => `('x' || substr(${rowHash(t)}, 1, 15))::bit(60)::bigint`;

/** Conditions with their parameters, numbered from `first`. */
function conditions(t: BucketTable, cutoff: string | null, first: number): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (t.warehouse) {
    params.push(t.warehouse.source);
    where.push(sourceIs(t.warehouse.source, first + params.length - 1));
    if (t.warehouse.softDeletes) where.push('NOT _deleted');
  }
  if (t.watermark && cutoff !== null) {
    params.push(cutoff);
    where.push(`${ident(t.watermark.column)} < $${first + params.length - 1}::${wmCast(t.watermark.type)}`);
  }
  return { where, params };
}

export interface BucketQuery {
  sql: string;
  /** Bind parameters after $1 (the bucket list). */
  params: unknown[];
}

/**
 * Per bucket: row count and the sum of row numbers, for rows below the cutoff. $1 = the buckets
 * to compare (int[], null for all), then the source id (warehouse) and the cutoff.
 */
export function bucketAggregateSql(t: BucketTable, buckets: number, cutoff: string | null): BucketQuery {
  const { where, params } = conditions(t, cutoff, 2);
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  return {
    sql: `SELECT b AS bucket, count(*) AS rows, sum(n)::text AS total FROM (
            SELECT ${bucketOf(t, buckets)} AS b, ${rowNumber(t)} AS n FROM ${from(t)} ${filter}) x
           WHERE $1::int[] IS NULL OR b = ANY($1::int[]) GROUP BY b`,
    params,
  };
}

/**
 * The rows of some buckets, one line per key: its text, its row hash, and (source side, facts)
 * whether it changed at or after the cutoff and so is not due in the warehouse yet.
 * $1 = buckets (int[]), then the source id (warehouse) and the cutoff.
 */
export function bucketRowsSql(t: BucketTable, buckets: number, cutoff: string | null): BucketQuery {
  const params: unknown[] = [];
  const where = [`${bucketOf(t, buckets)} = ANY($1::int[])`];
  if (t.warehouse) {
    params.push(t.warehouse.source);
    where.push(sourceIs(t.warehouse.source, 2));
    if (t.warehouse.softDeletes) where.push('NOT _deleted');
  }
  let pending = 'false';
  if (t.watermark && cutoff !== null && !t.warehouse) {
    params.push(cutoff);
    pending = `${ident(t.watermark.column)} >= $${params.length + 1}::${wmCast(t.watermark.type)}`;
  }
  return {
    sql: `SELECT ${bucketOf(t, buckets)} AS b, ${keyText(t)} AS k, ${rowHash(t)} AS h, ${pending} AS p
            FROM ${from(t)} WHERE ${where.join(' AND ')}`,
    params,
  };
}

/** Source rows of some buckets below the cutoff, as CSV: the repair batch. */
export function bucketCopySql(t: BucketTable, allColumns: ColumnSpec[], buckets: number, only: number[], cutoff: string | null): string {
  const list = only.map((b) => checkBucket(b, buckets)).join(', ');
  const where = [`${bucketOf(t, buckets)} IN (${list})`];
  if (t.watermark && cutoff !== null) where.push(`${ident(t.watermark.column)} < ${literal(cutoff)}::${wmCast(t.watermark.type)}`);
  return `COPY (SELECT ${allColumns.map((c) => ident(c.name)).join(', ')} FROM ${from(t)} WHERE ${where.join(' AND ')}) TO STDOUT WITH (FORMAT csv)`;
}

function checkBucket(b: number, buckets: number): number {
  if (!Number.isInteger(b) || b < 0 || b >= buckets) throw badInput(`bucket ${b} is not in 0..${buckets - 1}`);
  return b;
}

/** Every key of some buckets at the source, as text per key column (k0, k1, ...) and as the key text verify compares (kt). $1 = buckets (int[]). */
export function bucketKeysSql(t: BucketTable, buckets: number): string {
  return `SELECT ${t.key.map((k, i) => `${ident(k)}::text AS k${i}`).join(', ')}, ${keyText(t)} AS kt FROM ${from(t)} WHERE ${bucketOf(t, buckets)} = ANY($1::int[])`;
}

export const KEEP_TABLE = 'tributary_keep';

/** A temp table of the source's keys, filled from one text array per key column ($1..$n). */
export function keepKeysSql(key: ColumnSpec[]): string[] {
  const cols = key.map((k) => `${ident(k.name)} ${k.type}`).join(', ');
  const arrays = key.map((_, i) => `$${i + 1}::text[]`).join(', ');
  const names = key.map((_, i) => `k${i}`).join(', ');
  return [
    `CREATE TEMP TABLE ${ident(KEEP_TABLE)} (${cols}) ON COMMIT DROP`,
    `INSERT INTO ${ident(KEEP_TABLE)} SELECT ${key.map((k, i) => `u.k${i}::${k.type}`).join(', ')} FROM unnest(${arrays}) AS u(${names})`,
  ];
}

/** Warehouse rows of one source in some buckets whose key the source lacks. $1 = source id, $2 = buckets (int[]). */
export function deleteExtraSql(t: BucketTable, buckets: number): string {
  const match = t.key.map((k) => `k.${ident(k)} = t.${ident(k)}`).join(' AND ');
  // The bucket expression's bare column names resolve to the target: the temp table is only in the subquery.
  return `DELETE FROM ${from(t)} t WHERE t._source = $1 AND ${bucketExpr(t.key, buckets)} = ANY($2::int[])
            AND NOT EXISTS (SELECT 1 FROM ${ident(KEEP_TABLE)} k WHERE ${match})`;
}

/**
 * Dimensions: forget the stored row hash of some keys (given as their text form), so the next
 * snapshot merge sees those rows as changed and rewrites them. $1 source, $2 keys (text[]).
 */
export function invalidateHashesSql(t: BucketTable): string {
  return `UPDATE ${from(t)} SET _row_hash = NULL WHERE _source = $1 AND ROW(${t.key.map(ident).join(', ')})::text = ANY($2::text[])`;
}

/** Deletes the rows `where` picks, or marks them _deleted at version `lsn` (a bind parameter). */
function deleteOrMark(t: { schema: string; table: string }, soft: boolean, where: string, lsn: string): string {
  const target = `${ident(t.schema)}.${ident(t.table)}`;
  return soft ? `UPDATE ${target} SET _deleted = true, _deleted_at = now(), _lsn = ${lsn}::numeric, _loaded_at = now() WHERE ${where} AND NOT _deleted` : `DELETE FROM ${target} WHERE ${where}`;
}

/** Warehouse rows of these keys (row text form) older than the LSN: deleted, or marked _deleted. $1 clusters, $2 keys, $3 LSN. */
export function deleteOlderKeysSql(t: { schema: string; table: string; key: string[] }, soft: boolean): string {
  return deleteOrMark(t, soft, `_source = ANY($1::text[]) AND ROW(${t.key.map(ident).join(', ')})::text = ANY($2::text[]) AND _lsn < $3::numeric`, '$3');
}

/**
 * Warehouse rows older than the LSN, deleted or marked: of some keys only (per key column a text[]
 * of the keys' values, compared as text) and up to a key (per key column a numeric value; integer
 * keys only, which order alike everywhere). $1 clusters, $2 LSN, then the keys' arrays, then the bound.
 */
export function deleteOlderRowsSql(t: { schema: string; table: string; key: string[] }, soft: boolean, scope: { keys: boolean; upTo: boolean }): string {
  const cols = t.key.map(ident);
  let n = 2;
  const where = ['_source = ANY($1::text[])', '_lsn < $2::numeric'];
  if (scope.keys) {
    const arrays = cols.map(() => `$${++n}::text[]`);
    where.push(`(${cols.map((c) => `${c}::text`).join(', ')}) IN (SELECT * FROM unnest(${arrays.join(', ')}))`);
  }
  if (scope.upTo) where.push(`(${cols.join(', ')}) <= (${cols.map(() => `$${++n}::numeric`).join(', ')})`);
  return deleteOrMark(t, soft, where.join(' AND '), '$2');
}

/** Topics: offsets of one partition range in a target. $1 source, $2 partition, $3 from, $4 to. */
export function targetOffsetsSql(t: { schema: string; table: string }): string {
  return `SELECT kafka_offset AS o FROM ${ident(t.schema)}.${ident(t.table)} WHERE _source = $1 AND kafka_partition = $2 AND kafka_offset >= $3 AND kafka_offset < $4`;
}
