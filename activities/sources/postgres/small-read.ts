// Is a read small? A run whose read holds at most a pipeline's `smallReadRows` rows is extracted
// and merged by its plan's activity (activities/inline-units.ts). Counted up to one row past the
// limit, so asking costs at most that many rows however large the table is. Pure: the planner runs it.
import pg from 'pg';

const { escapeIdentifier: ident } = pg;

/** One row `small`: whether the rows of the table (under `where`, built from quoted parts) are at most `limit`. */
export function smallReadSql(schema: string, table: string, limit: number, where?: string): string {
  const filter = where ? ` WHERE ${where}` : '';
  return `SELECT count(*) <= ${Math.floor(limit)} AS small FROM (SELECT 1 FROM ${ident(schema)}.${ident(table)}${filter} LIMIT ${Math.floor(limit) + 1}) s`;
}
