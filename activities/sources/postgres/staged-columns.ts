// How a source column is read into the stage. PostgreSQL writes arrays in its own text form
// ({1,2,"a b"}); Redshift keeps arrays in SUPER, which loads JSON only, so for a Redshift
// warehouse arrays are read as JSON, and bytea as the hex VARBYTE loads (the type map's
// Redshift staging, types/render.ts). A
// PostgreSQL warehouse reads binary COPY when every column type is built in (staged-format.ts). Pure.
import pg from 'pg';
import type { ColumnSpec } from '../../specs/columns.js';
import type { DialectCapabilities } from '../../specs/capabilities.js';
import { copyFormatOption, type StagedFormat } from '../../stage/staged-format.js';
import { redshiftStagedExpr } from '../../../types/render.js';

const { escapeIdentifier: ident } = pg;

export interface StagedColumnsOptions {
  /** Read columns as Redshift loads them: arrays as JSON, bytea as hex (the Redshift warehouse). */
  arraysAsJson: boolean;
  /** CSV when absent. */
  format?: StagedFormat;
}


/** The select-list expression of one column as staged. */
export function stagedColumnExpr(c: ColumnSpec, o: StagedColumnsOptions): string {
  const col = ident(c.name);
  return o.arraysAsJson ? redshiftStagedExpr(c, col) : col;
}

/** The select list of a COPY into the stage, in column order. */
export function stagedSelectList(columns: ColumnSpec[], o: StagedColumnsOptions): string {
  return columns.map((c) => stagedColumnExpr(c, o)).join(', ');
}

/**
 * The options a deployment stages with: arrays as JSON when the warehouse takes them so; binary
 * when the warehouse reads binary COPY and the table's types are all built in (binary input of a
 * type defined on the source would not match the warehouse's type of that name).
 */
export function stagedColumnsOptions(warehouse: DialectCapabilities, builtinTypesOnly = false): StagedColumnsOptions {
  return { arraysAsJson: warehouse.arrays === 'json', format: warehouse.binaryStage && builtinTypesOnly ? 'binary' : 'csv' };
}

/** The WITH clause of the COPY ... TO STDOUT that reads the source into the stage. */
export function copyToOptions(o: StagedColumnsOptions): string {
  return `WITH (${copyFormatOption(o.format ?? 'csv')})`;
}
