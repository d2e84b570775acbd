// Pure SQL for a whole-table (dimension) read: every row plus a hash of the row computed at
// the source, so the warehouse can tell which rows changed without comparing every column.
import pg from 'pg';
import type { ColumnSpec } from '../../specs/columns.js';
import { copyToOptions, stagedSelectList, type StagedColumnsOptions } from './staged-columns.js';

const { escapeIdentifier: ident } = pg;

export function rowHashExpr(columns: ColumnSpec[]): string {
  return `md5(ROW(${columns.map((c) => ident(c.name)).join(', ')})::text)`;
}

/** `where` narrows the read to a window of changed rows (incremental mode); it is built from quoted parts. */
export function snapshotCopySql(schema: string, table: string, columns: ColumnSpec[], where?: string, staged: StagedColumnsOptions = { arraysAsJson: false }): string {
  const cols = stagedSelectList(columns, staged);
  const filter = where ? ` WHERE ${where}` : '';
  return `COPY (SELECT ${cols}, ${rowHashExpr(columns)} AS _row_hash FROM ${ident(schema)}.${ident(table)}${filter}) TO STDOUT ${copyToOptions(staged)}`;
}
