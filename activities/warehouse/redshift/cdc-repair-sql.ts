// A CDC target's deletes below a WAL position on Redshift: the target's rows of the region's
// clusters whose _lsn is below the position (a row no change touched since: docs/cdc.md), deleted
// or marked _deleted (the pipeline's deletes option), as ONE BatchExecuteStatement under the
// target's lock. A repair deletes those whose key text (row-text.ts, the same the source computes)
// is among the keys the source lacks; a resnapshot those it did not write, among its keys and up
// to a chunk's last key. As on PostgreSQL they write no ledger row: run again, they find nothing
// more. The last statement reads the count back.
import { Params, type Param } from './merge-sql.js';
import { ident, qualified } from './identifiers.js';
import { keyTextOfValues } from './row-text.js';
import { DELETED_TABLE, EXTRA_TABLE, fitRepairBatch, keyTextExpr, keyTextTableSqls, rowsWhere, type RedshiftBucketTable } from './bucket-sql.js';

type Batch = { sqls: string[]; parameters: Param[]; result: number };
type At = { lsn: string; loadedAt: string; label: string };

/** A repair's delete: the rows of these key texts. */
export function redshiftDeleteOlderKeysBatch(t: RedshiftBucketTable & { source: string[] }, keys: string[], at: At): Batch {
  return deleteBelowBatch(t, { keyTexts: keys }, at, `the repair would delete ${keys.length} keys the source lacks`);
}

/**
 * A resnapshot's delete: of these keys only (their columns' values as text, compared as their key
 * text: a value written otherwise matches nothing) and up to this key (integers, in key order).
 */
export function redshiftDeleteOlderRowsBatch(t: RedshiftBucketTable & { source: string[] }, scope: { keys?: string[][]; upTo?: string[] }, at: At): Batch {
  const keyTexts = scope.keys?.map(keyTextOfValues);
  return deleteBelowBatch(t, { ...(keyTexts ? { keyTexts } : {}), ...(scope.upTo ? { upTo: scope.upTo } : {}) }, at, `the resnapshot's deletes name ${keyTexts?.length ?? 0} keys`);
}

/** `(a, b) <= (x, y)` spelled out, for an engine without row comparisons. */
function atMost(columns: string[], values: string[]): string {
  const [c, ...cs] = columns;
  const [v, ...vs] = values;
  return cs.length === 0 ? `${c} <= ${v}` : `(${c} < ${v} OR (${c} = ${v} AND ${atMost(cs, vs)}))`;
}

function deleteBelowBatch(t: RedshiftBucketTable & { source: string[] }, scope: { keyTexts?: string[]; upTo?: string[] }, at: At, tooMany: string): Batch {
  // A bound has a value per key column (chunkKeyBound).
  const bound = scope.upTo ?? [];
  const p = new Params({ lsn: at.lsn, loaded_at: at.loadedAt, ...Object.fromEntries(bound.map((v, i) => [`up_${i}`, v])) });
  const target = qualified(t.schema, t.table);
  const lsn = p.ref('lsn', 'DECIMAL(20,0)');
  // rowsWhere(): the clusters' rows, and with soft deletes the live ones only (a marked row stays as it is).
  const where = [...rowsWhere(t, null).sql, `"_lsn" < ${lsn}`];
  if (scope.keyTexts) where.push(`${keyTextExpr(t.key)} IN (SELECT k FROM ${EXTRA_TABLE})`);
  // DECIMAL(20,0) holds any bigint the bound may print.
  if (scope.upTo) where.push(atMost(t.key.map((k) => ident(k.name, 'column')), bound.map((_, i) => p.ref(`up_${i}`, 'DECIMAL(20,0)'))));
  const rows = where.join(' AND ');
  // Marked rows say when they were marked; a hard delete binds no time.
  const mark = () => {
    const now = p.ref('loaded_at', 'TIMESTAMPTZ');
    return `UPDATE ${target} SET "_deleted" = TRUE, "_deleted_at" = ${now}, "_lsn" = ${lsn}, "_loaded_at" = ${now} WHERE ${rows}`;
  };
  const sqls = [
    `LOCK ${target}`,
    ...(scope.keyTexts ? keyTextTableSqls(scope.keyTexts) : []),
    `CREATE TEMP TABLE ${DELETED_TABLE} AS SELECT COUNT(*) AS n FROM ${target} WHERE ${rows}`,
    t.softDeletes ? mark() : `DELETE FROM ${target} WHERE ${rows}`,
    `SELECT n AS deleted FROM ${DELETED_TABLE}`,
  ];
  return { sqls: fitRepairBatch(sqls, at.label, tooMany), parameters: p.list(), result: sqls.length - 1 };
}
