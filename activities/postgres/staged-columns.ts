// How a source column is read into the stage. PostgreSQL writes arrays in its own text form
// ({1,2,"a b"}); Redshift keeps arrays in SUPER, which loads JSON only, so for a Redshift
// warehouse arrays are read as JSON (array_to_json keeps element types and nesting). Pure.
import pg from 'pg';
import type { ColumnSpec } from './columns.js';

const { escapeIdentifier: ident } = pg;

export interface StagedColumnsOptions {
  /** Read array columns as JSON (the Redshift warehouse). */
  arraysAsJson: boolean;
}

export const isArrayType = (type: string) => type.trim().endsWith('[]');

/** The select-list expression of one column as staged. */
export function stagedColumnExpr(c: ColumnSpec, o: StagedColumnsOptions): string {
  const col = ident(c.name);
  return o.arraysAsJson && isArrayType(c.type) ? `array_to_json(${col}) AS ${col}` : col;
}

/** The select list of a COPY into the stage, in column order. */
export function stagedSelectList(columns: ColumnSpec[], o: StagedColumnsOptions): string {
  return columns.map((c) => stagedColumnExpr(c, o)).join(', ');
}

/** The options a deployment stages with: arrays as JSON when the warehouse is Redshift. */
export function stagedColumnsOptions(warehouseType: 'postgres' | 'redshift'): StagedColumnsOptions {
  return { arraysAsJson: warehouseType === 'redshift' };
}
