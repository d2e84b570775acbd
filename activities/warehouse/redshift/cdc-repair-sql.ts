// A CDC repair's delete on Redshift: the target's rows of the region's clusters whose key text
// (row-text.ts, the same the source computes) is among the keys the source lacks and whose _lsn
// is below the source's WAL position read before its keys were, deleted or marked _deleted (the
// pipeline's deletes option), as ONE BatchExecuteStatement under the target's lock. As on
// PostgreSQL it writes no ledger row: run again, it finds nothing more. The last statement
// reads the count back.
import { Params, type Param } from './merge-sql.js';
import { qualified } from './identifiers.js';
import { DELETED_TABLE, EXTRA_TABLE, fitRepairBatch, keyTextExpr, keyTextTableSqls, rowsWhere, type RedshiftBucketTable } from './bucket-sql.js';

export function redshiftDeleteOlderKeysBatch(
  t: RedshiftBucketTable & { source: string[] },
  keys: string[],
  at: { lsn: string; loadedAt: string; label: string },
): { sqls: string[]; parameters: Param[]; result: number } {
  const p = new Params({ lsn: at.lsn, loaded_at: at.loadedAt });
  const target = qualified(t.schema, t.table);
  const lsn = p.ref('lsn', 'DECIMAL(20,0)');
  // rowsWhere(): the clusters' rows, and with soft deletes the live ones only (a marked row stays as it is).
  const rows = [...rowsWhere(t, null).sql, `"_lsn" < ${lsn}`, `${keyTextExpr(t.key)} IN (SELECT k FROM ${EXTRA_TABLE})`].join(' AND ');
  // Marked rows say when the repair marked them; a hard delete binds no time.
  const mark = () => {
    const now = p.ref('loaded_at', 'TIMESTAMPTZ');
    return `UPDATE ${target} SET "_deleted" = TRUE, "_deleted_at" = ${now}, "_lsn" = ${lsn}, "_loaded_at" = ${now} WHERE ${rows}`;
  };
  const sqls = [
    `LOCK ${target}`,
    ...keyTextTableSqls(keys),
    `CREATE TEMP TABLE ${DELETED_TABLE} AS SELECT COUNT(*) AS n FROM ${target} WHERE ${rows}`,
    t.softDeletes ? mark() : `DELETE FROM ${target} WHERE ${rows}`,
    `SELECT n AS deleted FROM ${DELETED_TABLE}`,
  ];
  return { sqls: fitRepairBatch(sqls, keys.length, at.label), parameters: p.list(), result: sqls.length - 1 };
}
