// Is a read small? A run whose read holds at most SMALL_READ_ROWS rows is extracted and merged by
// its plan's activity (activities/inline-units.ts). Counted up to one row past the limit, so
// asking costs at most that many rows however large the table is. Pure: the planner runs it.
import pg from 'pg';

const { escapeIdentifier: ident } = pg;

/** Rows a read may hold and still be small (one activity is then the whole run). */
export const SMALL_READ_ROWS = 10_000;

/** One row `small`: whether the rows of the table (under `where`, built from quoted parts) are at most SMALL_READ_ROWS. */
export function smallReadSql(schema: string, table: string, where?: string): string {
  const filter = where ? ` WHERE ${where}` : '';
  return `SELECT count(*) <= ${SMALL_READ_ROWS} AS small FROM (SELECT 1 FROM ${ident(schema)}.${ident(table)}${filter} LIMIT ${SMALL_READ_ROWS + 1}) s`;
}
