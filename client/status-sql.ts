// Pure SQL `tributary status` reads the warehouse ledger and the sources with. Names are quoted;
// values are bind parameters.
import pg from 'pg';
import { WATERMARK_FORMAT } from '../activities/postgres/watermark-sql.js';

const { escapeIdentifier: ident } = pg;

/** Every checkpoint: pipeline, region, source, stream, position. */
export function checkpointsSql(schema: string): string {
  return `SELECT pipeline, region, source, stream, position FROM ${ident(schema)}.tributary_checkpoints`;
}

/** The last batch per pipeline, region and source: when it committed. */
export function lastBatchesSql(schema: string): string {
  return `SELECT pipeline, region, source, max(loaded_at) AS loaded_at FROM ${ident(schema)}.tributary_batches GROUP BY pipeline, region, source`;
}

/** Rows one run read per source: its batches' ids start with the run id. $1 pipeline, $2 region, $3 run id. */
export function runRowsSql(schema: string): string {
  return `SELECT source, sum(rows_staged)::bigint AS rows FROM ${ident(schema)}.tributary_batches
           WHERE pipeline = $1 AND region = $2 AND left(batch_id, length($3) + 1) = $3 || ':' GROUP BY source`;
}

/** The newest watermark at a source, in the ledger's text format. */
export function sourceHighSql(schema: string, table: string, watermark: string): string {
  return `SELECT to_char(max(${ident(watermark)}), '${WATERMARK_FORMAT}') AS hi FROM ${ident(schema)}.${ident(table)}`;
}
