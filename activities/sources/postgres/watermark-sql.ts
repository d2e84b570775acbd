// Pure SQL for watermark ranges on a PostgreSQL source. Watermarks travel as UTC text in one
// fixed format, so they compare correctly as text in the ledger and carry microseconds
// (a JS Date would drop them). Values are quoted literals: COPY takes no bind parameters.
import pg from 'pg';
import type { ColumnSpec } from '../../specs/columns.js';
import type { KeysetBound } from '../../types.js';
import { badInput } from '../../errors.js';
import { copyToOptions, stagedSelectList, type StagedColumnsOptions } from './staged-columns.js';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

export const WATERMARK_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';

export type WatermarkType = 'timestamp with time zone' | 'timestamp without time zone';

export function watermarkType(columns: ColumnSpec[], column: string, label: string): WatermarkType {
  const col = columns.find((c) => c.name === column);
  if (!col) throw badInput(`${label}: watermark column "${column}" is not in the table (columns: ${columns.map((c) => c.name).join(', ')})`);
  const t = col.type.replace(/\(\d+\)/, '');
  if (t === 'timestamp with time zone' || t === 'timestamp without time zone') return t;
  throw badInput(`${label}: watermark column "${column}" has type ${col.type}; it must be a timestamp or timestamptz column`);
}

/** Key columns must exist; returns their types in key order. */
export function keyColumns(columns: ColumnSpec[], key: string[], label: string): ColumnSpec[] {
  return key.map((k) => {
    const col = columns.find((c) => c.name === k);
    if (!col) throw badInput(`${label}: key column "${k}" is not in the table (columns: ${columns.map((c) => c.name).join(', ')})`);
    return col;
  });
}

/**
 * Rows with a NULL watermark would never be in any range: refuse them instead of losing them.
 * A NOT NULL column needs no look (an unindexed nullable one costs a scan per run).
 */
export function nullWatermarkSql(schema: string, table: string, watermark: string): string {
  const t = `${ident(schema)}.${ident(table)}`;
  return `SELECT CASE WHEN (SELECT attnotnull FROM pg_attribute WHERE attrelid = ${literal(t)}::regclass AND attname = ${literal(watermark)})
                      THEN false
                      ELSE EXISTS (SELECT 1 FROM ${t} WHERE ${ident(watermark)} IS NULL) END AS has_nulls`;
}

export interface RangeSpec {
  schema: string;
  table: string;
  watermark: string;
  type: WatermarkType;
  /** Key columns with their types, in key order. */
  key: ColumnSpec[];
  from: string | null;
  to: string;
}

const wmCast = (type: WatermarkType) => (type === 'timestamp with time zone' ? 'timestamptz' : 'timestamp');

/** from <= watermark < to (no lower bound when from is null). */
export function rangeWhere(r: Pick<RangeSpec, 'watermark' | 'type' | 'from' | 'to'>): string {
  const w = ident(r.watermark);
  const lower = r.from === null ? '' : `${w} >= ${literal(r.from)}::${wmCast(r.type)} AND `;
  return `${lower}${w} < ${literal(r.to)}::${wmCast(r.type)}`;
}

const keyset = (r: RangeSpec) => `ROW(${[r.watermark, ...r.key.map((k) => k.name)].map(ident).join(', ')})`;
const boundRow = (r: RangeSpec, b: KeysetBound) =>
  `ROW(${[`${literal(b.watermark)}::${wmCast(r.type)}`, ...r.key.map((k, i) => `${literal(b.key[i] ?? '')}::${k.type}`)].join(', ')})`;

/**
 * The last row of every `$1` rows of the range in (watermark, key) order: chunk boundaries, so
 * ties on the watermark (a bulk load stamped with one now()) still split evenly. The range's
 * last row is no boundary: the chunk after it would be empty. Each boundary is found from the
 * one before by skipping `$1` entries of the (watermark, key) index, never by numbering the
 * whole range (a window over millions of rows took seconds).
 */
export function chunkBoundariesSql(r: RangeSpec): string {
  const names = [r.watermark, ...r.key.map((k) => k.name)].map(ident);
  const cols = names.join(', ');
  const desc = names.map((c) => `${c} DESC`).join(', ');
  const from = `${ident(r.schema)}.${ident(r.table)}`;
  const step = (after: string) => `SELECT ${cols} FROM ${from} WHERE ${rangeWhere(r)}${after} ORDER BY ${cols} OFFSET $1 - 1 LIMIT 1`;
  const keys = r.key.map((k, i) => `${ident(k.name)}::text AS k${i}`).join(', ');
  return `WITH RECURSIVE b AS (
            (${step('')})
            UNION ALL
            SELECT n.* FROM b, LATERAL (${step(` AND ROW(${cols}) > ROW(${names.map((c) => `b.${c}`).join(', ')})`)}) n
          )
          SELECT to_char(${ident(r.watermark)}, '${WATERMARK_FORMAT}') AS wm, ${keys} FROM b
           WHERE ROW(${cols}) < (SELECT ${cols} FROM ${from} WHERE ${rangeWhere(r)} ORDER BY ${desc} LIMIT 1)
           ORDER BY ${cols}`;
}

/** COPY of one chunk: from <= watermark < to, and after < (watermark, key) <= until, as CSV. */
export function rangeCopySql(r: RangeSpec, columns: ColumnSpec[], after: KeysetBound | null, until: KeysetBound | null, staged: StagedColumnsOptions = { arraysAsJson: false }): string {
  const conds = [rangeWhere(r)];
  if (after) conds.push(`${keyset(r)} > ${boundRow(r, after)}`);
  if (until) conds.push(`${keyset(r)} <= ${boundRow(r, until)}`);
  const cols = stagedSelectList(columns, staged);
  return `COPY (SELECT ${cols} FROM ${ident(r.schema)}.${ident(r.table)} WHERE ${conds.join(' AND ')}) TO STDOUT ${copyToOptions(staged)}`;
}

/** Moves a UTC watermark back by some seconds, in the same text format (for the look-back window). */
export function minusSeconds(watermark: string, seconds: number): string {
  if (seconds === 0) return watermark;
  const [whole, frac = '000000Z'] = watermark.split('.');
  const ms = Date.parse(`${whole}Z`) - seconds * 1000;
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}`;
}
