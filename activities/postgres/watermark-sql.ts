// Pure SQL for watermark ranges on a PostgreSQL source. Watermarks travel as UTC text in one
// fixed format, so they compare correctly as text in the ledger and carry microseconds
// (a JS Date would drop them).
import pg from 'pg';
import type { ColumnSpec } from './columns.js';
import { APPLICATION_NAME } from './connect.js';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

export const WATERMARK_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';

export type WatermarkType = 'timestamp with time zone' | 'timestamp without time zone';

export function watermarkType(columns: ColumnSpec[], column: string, label: string): WatermarkType {
  const col = columns.find((c) => c.name === column);
  if (!col) throw new Error(`${label}: watermark column "${column}" is not in the table (columns: ${columns.map((c) => c.name).join(', ')})`);
  const t = col.type.replace(/\(\d+\)/, '');
  if (t === 'timestamp with time zone' || t === 'timestamp without time zone') return t;
  throw new Error(`${label}: watermark column "${column}" has type ${col.type}; fact pipelines need a timestamp or timestamptz column`);
}

/**
 * The highest watermark a run may read up to (exclusive): never past now() minus the lag, nor
 * past the start of the oldest transaction still open on this database. A transaction that
 * began earlier may still commit rows stamped with its start time (now() is the transaction
 * start); stopping below it means those rows are read by the next run, not skipped.
 * Tributary's own sessions only read, so they are left out.
 * $1 = lag in seconds. Runs in a session with TimeZone=UTC.
 */
export function safeUpperBoundSql(type: WatermarkType): string {
  const cast = type === 'timestamp without time zone' ? '::timestamp' : '';
  return `SELECT to_char(least(
             now() - make_interval(secs => $1),
             (SELECT min(xact_start) FROM pg_stat_activity
               WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()
                 AND datname = current_database() AND backend_type = 'client backend'
                 AND application_name IS DISTINCT FROM '${APPLICATION_NAME}'
                 AND state <> 'idle')
           )${cast}, '${WATERMARK_FORMAT}') AS hi`;
}

/** COPY of the rows with from <= watermark < to (no lower bound on a first load), as CSV. */
export function rangeCopySql(
  schema: string,
  table: string,
  columns: ColumnSpec[],
  watermark: string,
  type: WatermarkType,
  from: string | null,
  to: string,
): string {
  const cast = type === 'timestamp with time zone' ? 'timestamptz' : 'timestamp';
  const w = ident(watermark);
  const lower = from === null ? '' : `${w} >= ${literal(from)}::${cast} AND `;
  const cols = columns.map((c) => ident(c.name)).join(', ');
  return `COPY (SELECT ${cols} FROM ${ident(schema)}.${ident(table)} WHERE ${lower}${w} < ${literal(to)}::${cast}) TO STDOUT WITH (FORMAT csv)`;
}

/** Moves a UTC watermark back by some seconds, in the same text format (for the look-back window). */
export function minusSeconds(watermark: string, seconds: number): string {
  if (seconds === 0) return watermark;
  const [whole, frac = '000000Z'] = watermark.split('.');
  const ms = Date.parse(`${whole}Z`) - seconds * 1000;
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}`;
}
