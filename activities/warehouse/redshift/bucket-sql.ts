// Verify's reads of a Redshift target, in Redshift SQL: per-bucket counts and checksums and the
// rows of some buckets, from the canonical texts of the type map (row-text.ts); and the repair
// writes: a dimension's row-hash reset, a fact's delete of the keys the source lacks (one
// transaction with its ledger row). The PostgreSQL source computes the same numbers with `sourceRowForm`.
import type { ColumnSpec } from '../../specs/columns.js';
import { badInput } from '../../errors.js';
import { bucketOfText, keyTextOf, rowNumberOf, rowTextExpr, textLiteral as lit } from './row-text.js';
import { LEDGER_COUNT_COLUMNS, Params, STATE_TABLE, type BatchValues, type Param } from './merge-sql.js';
import { ident, qualified } from './identifiers.js';
import { assertStatementSize, groupBySize, MAX_BATCH_STATEMENTS } from './statement-size.js';

export interface RedshiftBucketTable {
  schema: string;
  table: string;
  key: ColumnSpec[];
  columns: ColumnSpec[];
  watermark?: { column: string; type: 'timestamp with time zone' | 'timestamp without time zone' };
  source: string | string[];
  softDeletes: boolean;
}

const quote = (name: string) => ident(name, 'column');

/** A key's text: its columns' canonical texts (row-text.ts), which the source computes alike. */
export const keyTextExpr = (key: ColumnSpec[]) => keyTextOf(key, 'redshift', quote);
export const rowHashExpr = (columns: ColumnSpec[]) => `MD5(${rowTextExpr(columns, 'redshift', quote)})`;

/** The target's rows a read or delete counts: of the source (or clusters), live, below the cutoff. */
export function rowsWhere(t: RedshiftBucketTable, cutoff: string | null): { sql: string[]; params: Record<string, string> } {
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
  const w = rowsWhere(t, cutoff);
  // SUM of BIGINT is BIGINT in Redshift: 60-bit numbers would overflow it, DECIMAL(38,0) does not.
  const sql = `SELECT b AS bucket_no, COUNT(*) AS row_count, CAST(SUM(CAST(n AS DECIMAL(38,0))) AS VARCHAR(40)) AS total FROM (
  SELECT ${bucketOfText(keyTextExpr(t.key), buckets, 'redshift')} AS b, ${rowNumberOf(rowHashExpr(t.columns), 'redshift')} AS n
    FROM ${qualified(t.schema, t.table)} WHERE ${w.sql.join(' AND ')}) x${only === null ? '' : ` WHERE b IN (${bucketList(only, buckets)})`} GROUP BY b`;
  return { sql: assertStatementSize(sql, `the bucket checksums of ${t.schema}.${t.table}`), params: w.params };
}

/** The rows of some buckets: bucket, key text, row hash. */
export function redshiftBucketRowsSql(t: RedshiftBucketTable, buckets: number, only: number[]): { sql: string; params: Record<string, string> } {
  const w = rowsWhere(t, null);
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

/** A fact repair's ledger row: who it is, the cutoff it repaired below (rangeTo), what it covered (checksum). */
export type DeleteExtraValues = Pick<BatchValues, 'batchId' | 'pipeline' | 'region' | 'source' | 'stream' | 'rangeTo' | 'checksum' | 'loadedAt'>;

export const EXTRA_TABLE = 'tributary_extra';
export const DELETED_TABLE = 'tributary_deleted';

/** A temp table of key texts (column k), filled in statements that fit the Data API. */
export function keyTextTableSqls(keys: string[]): string[] {
  const groups = groupBySize(keys.map((k) => `(${lit(k)})`), ', ');
  return [`CREATE TEMP TABLE ${EXTRA_TABLE} (k VARCHAR(65535))`, ...groups.map((g) => `INSERT INTO ${EXTRA_TABLE} VALUES ${g.join(', ')}`)];
}

/**
 * Facts: deletes the rows of one source in some buckets whose key text is among `extra` (the keys
 * the source lacks), as ONE BatchExecuteStatement with its ledger row: under the target's lock, a
 * batch already in the ledger changes nothing. The last statement reads the ledger row back.
 */
export function redshiftDeleteExtraBatch(
  t: RedshiftBucketTable,
  stateSchema: string,
  at: { buckets: number; only: number[]; extra: string[] },
  v: DeleteExtraValues,
): { sqls: string[]; parameters: Param[]; result: number } {
  const { buckets, only, extra } = at;
  const p = new Params({
    batch_id: v.batchId, pipeline: v.pipeline, region: v.region, source: v.source, stream: v.stream, target: `${t.schema}.${t.table}`,
    range_to: v.rangeTo, checksum: v.checksum, loaded_at: v.loadedAt,
  });
  const target = qualified(t.schema, t.table);
  const ledger = qualified(stateSchema, 'tributary_batches');
  const rows = `FROM ${target} WHERE _source = ${p.ref('source')} AND ${bucketOfText(keyTextExpr(t.key), buckets, 'redshift')} IN (${bucketList(only, buckets)})
      AND ${keyTextExpr(t.key)} IN (SELECT k FROM ${EXTRA_TABLE})`;
  const sqls = [
    `LOCK ${target}`,
    `CREATE TEMP TABLE ${STATE_TABLE} AS SELECT COUNT(*) AS done FROM ${ledger} WHERE batch_id = ${p.ref('batch_id')}`,
    ...keyTextTableSqls(extra),
    `CREATE TEMP TABLE ${DELETED_TABLE} AS SELECT COUNT(*) AS n ${rows}`,
    `DELETE ${rows} AND EXISTS (SELECT 1 FROM ${STATE_TABLE} WHERE done = 0)`,
    // A repair reads and stages nothing; what it deletes, the source no longer has.
    `INSERT INTO ${ledger} (batch_id, pipeline, region, source, source_table, target, range_from, range_to, rows_staged, inserted, updated, unchanged, deleted, quarantined, checksum, loaded_at,
                           ${LEDGER_COUNT_COLUMNS.join(', ')})
     SELECT ${p.ref('batch_id')}, ${p.ref('pipeline')}, ${p.ref('region')}, ${p.ref('source')}, ${p.ref('stream')}, ${p.ref('target')}, NULL, ${p.ref('range_to')},
            0, 0, 0, 0, d.n, 0, ${p.ref('checksum')}, ${p.ref('loaded_at', 'TIMESTAMPTZ')}, 0, 0, 0, d.n, NULL, NULL
       FROM ${DELETED_TABLE} d, ${STATE_TABLE} s WHERE s.done = 0`,
    `SELECT s.done, b.deleted FROM ${STATE_TABLE} s, ${ledger} b WHERE b.batch_id = ${p.ref('batch_id')}`,
  ];
  const label = `pipeline ${v.pipeline}, region ${v.region}, source ${v.source}, table ${t.schema}.${t.table}`;
  return { sqls: fitRepairBatch(sqls, label, `the repair would delete ${extra.length} keys the source lacks`), parameters: p.list(), result: sqls.length - 1 };
}

/** A delete batch's statements within the Data API's limits; too many keys (`tooMany` says whose) fail at once, before anything is deleted. */
export function fitRepairBatch(sqls: string[], label: string, tooMany: string): string[] {
  if (sqls.length > MAX_BATCH_STATEMENTS) {
    throw badInput(`${label}: ${tooMany}, more than one Redshift batch (${MAX_BATCH_STATEMENTS} statements of 100 KB) holds; nothing was deleted`);
  }
  return sqls.map((s, i) => assertStatementSize(s, `delete statement ${i + 1} for ${label}`));
}

const pgIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** What the PostgreSQL source computes so its key texts and row hashes equal this warehouse's. */
export const sourceRowForm = {
  key: (key: ColumnSpec[]) => keyTextOf(key, 'postgres', pgIdent),
  row: (columns: ColumnSpec[]) => `MD5(${rowTextExpr(columns, 'postgres', pgIdent)})`,
};
