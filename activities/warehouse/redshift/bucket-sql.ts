// Verify's reads of a Redshift target, in Redshift SQL: per-bucket counts and checksums and the
// rows of some buckets, from the canonical texts of the type map (row-text.ts), and the row-hash reset
// of a dimension repair. The PostgreSQL source computes the same numbers with `sourceRowForm`.
import type { ColumnSpec } from '../../specs/columns.js';
import { badInput } from '../../errors.js';
import { bucketOfText, rowNumberOf, rowTextExpr } from './row-text.js';
import { ident, qualified } from './identifiers.js';
import { assertStatementSize, groupBySize } from './statement-size.js';

export interface RedshiftBucketTable {
  schema: string;
  table: string;
  key: ColumnSpec[];
  columns: ColumnSpec[];
  watermark?: { column: string; type: 'timestamp with time zone' | 'timestamp without time zone' };
  source: string | string[];
  softDeletes: boolean;
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const quote = (name: string) => ident(name, 'column');

/** A key's text (one key column: its canonical text's row form, so keys of any type compare as text). */
export const keyTextExpr = (key: ColumnSpec[]) => rowTextExpr(key, 'redshift', quote);
export const rowHashExpr = (columns: ColumnSpec[]) => `MD5(${rowTextExpr(columns, 'redshift', quote)})`;

function where(t: RedshiftBucketTable, cutoff: string | null): { sql: string[]; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const sql: string[] = [];
  if (Array.isArray(t.source)) sql.push(`_source IN (${t.source.map(lit).join(', ')})`);
  else {
    params.source = t.source;
    sql.push('_source = :source');
  }
  if (t.softDeletes) sql.push('NOT _deleted');
  if (t.watermark && cutoff !== null) {
    params.cutoff = cutoff;
    sql.push(`${quote(t.watermark.column)} < CAST(:cutoff AS ${t.watermark.type === 'timestamp with time zone' ? 'TIMESTAMPTZ' : 'TIMESTAMP'})`);
  }
  return { sql, params };
}

function bucketList(only: number[], buckets: number): string {
  for (const b of only) if (!Number.isInteger(b) || b < 0 || b >= buckets) throw badInput(`bucket ${b} is not in 0..${buckets - 1}`);
  return only.join(', ');
}

/** Per bucket: row count and the sum of row numbers as text; `only` limits the buckets (null: all). */
export function redshiftAggregateSql(t: RedshiftBucketTable, buckets: number, cutoff: string | null, only: number[] | null): { sql: string; params: Record<string, string> } {
  const w = where(t, cutoff);
  // SUM of BIGINT is BIGINT in Redshift: 60-bit numbers would overflow it, DECIMAL(38,0) does not.
  const sql = `SELECT b AS bucket_no, COUNT(*) AS row_count, CAST(SUM(CAST(n AS DECIMAL(38,0))) AS VARCHAR(40)) AS total FROM (
  SELECT ${bucketOfText(keyTextExpr(t.key), buckets, 'redshift')} AS b, ${rowNumberOf(rowHashExpr(t.columns), 'redshift')} AS n
    FROM ${qualified(t.schema, t.table)} WHERE ${w.sql.join(' AND ')}) x${only === null ? '' : ` WHERE b IN (${bucketList(only, buckets)})`} GROUP BY b`;
  return { sql: assertStatementSize(sql, `the bucket checksums of ${t.schema}.${t.table}`), params: w.params };
}

/** The rows of some buckets: bucket, key text, row hash. */
export function redshiftBucketRowsSql(t: RedshiftBucketTable, buckets: number, only: number[]): { sql: string; params: Record<string, string> } {
  const w = where(t, null);
  const bucket = bucketOfText(keyTextExpr(t.key), buckets, 'redshift');
  const sql = `SELECT ${bucket} AS b, ${keyTextExpr(t.key)} AS k, ${rowHashExpr(t.columns)} AS h FROM ${qualified(t.schema, t.table)}
  WHERE ${[...w.sql, `${bucket} IN (${bucketList(only, buckets)})`].join(' AND ')}`;
  return { sql: assertStatementSize(sql, `the bucket rows of ${t.schema}.${t.table}`), params: w.params };
}

/** Dimensions: forget the stored row hash of these keys (their key text), in statements that fit the Data API. */
export function redshiftInvalidateSqls(t: RedshiftBucketTable & { source: string }, keys: string[]): string[] {
  const head = `UPDATE ${qualified(t.schema, t.table)} SET _row_hash = NULL WHERE _source = ${lit(t.source)} AND ${keyTextExpr(t.key)} IN (`;
  return groupBySize(keys.map(lit), ', ').map((g) => assertStatementSize(`${head}${g.join(', ')})`, `the row-hash reset of ${t.schema}.${t.table}`));
}

const pgIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** What the PostgreSQL source computes so its key texts and row hashes equal this warehouse's. */
export const sourceRowForm = {
  key: (key: ColumnSpec[]) => rowTextExpr(key, 'postgres', pgIdent),
  row: (columns: ColumnSpec[]) => `MD5(${rowTextExpr(columns, 'postgres', pgIdent)})`,
};
