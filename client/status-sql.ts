// Pure SQL `tributary status` reads the warehouse ledger and the sources with. Names are quoted;
// values are bind parameters. The ledger SQL runs on both warehouses: PostgreSQL binds $n,
// Redshift's Data API binds :name.
import pg from 'pg';
import { WATERMARK_FORMAT } from '../activities/sources/postgres/watermark-sql.js';

const { escapeIdentifier: ident } = pg;

import type { ParamStyle } from '../activities/specs/capabilities.js';

/** Each named parameter's placeholder: $1, $2… on PostgreSQL (bound in this order), :name on Redshift. */
function bind(style: ParamStyle, ...names: string[]): string[] {
  return names.map((n, i) => (style === 'positional' ? `$${i + 1}` : `:${n}`));
}

/** Whether the ledger exists in the schema (nothing ran against it yet if not): a count, 0 or 1. */
export function ledgerExistsSql(schema: string, style: ParamStyle, table = 'tributary_batches'): { sql: string; params: Record<string, string> } {
  const [at, named] = bind(style, 'schema', 'table');
  // The catalog, not information_schema: a role without rights on the ledger then fails to read
  // it, saying so, instead of finding nothing. Redshift keeps pg_class and pg_namespace too.
  return {
    sql: `SELECT count(*) AS n FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace
           WHERE s.nspname = ${at} AND c.relname = ${named}`,
    params: { schema, table },
  };
}

/** Every checkpoint: pipeline, region, source, stream, position. */
export function checkpointsSql(schema: string): string {
  return `SELECT pipeline, region, source, stream, position FROM ${ident(schema)}.tributary_checkpoints`;
}

/** The last batch per pipeline, region and source: when it committed, in seconds since 1970. */
export function lastBatchesSql(schema: string): string {
  return `SELECT pipeline, region, source, extract(epoch FROM max(loaded_at)) AS loaded_at FROM ${ident(schema)}.tributary_batches GROUP BY pipeline, region, source`;
}

/** Rows one run read per source: its batches' ids start with the run id (pipeline, region, run_id). */
export function runRowsSql(schema: string, style: ParamStyle): { sql: string; params: (pipeline: string, region: string, runId: string) => Record<string, string> } {
  const [pipeline, region, runId] = bind(style, 'pipeline', 'region', 'run_id');
  return {
    sql: `SELECT source, sum(rows_staged)::bigint AS rows FROM ${ident(schema)}.tributary_batches
           WHERE pipeline = ${pipeline} AND region = ${region} AND left(batch_id, length(${runId}) + 1) = ${runId} || ':' GROUP BY source`,
    params: (p, r, id) => ({ pipeline: p, region: r, run_id: id }),
  };
}

/** Whether the ledger has the count columns (a ledger from before the count check gets them at its next merge): a count, 0 or 1. */
export function ledgerCountsExistSql(schema: string, style: ParamStyle): { sql: string; params: Record<string, string> } {
  const [at] = bind(style, 'schema');
  return {
    sql: `SELECT count(*) AS n FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace
           WHERE s.nspname = ${at} AND c.relname = 'tributary_batches' AND a.attname = 'rows_read'`,
    params: { schema },
  };
}

/** What one run's batches counted per source (batch-counts.ts); rows from before the count check read as staged. */
export function runCountsSql(schema: string, style: ParamStyle): { sql: string; params: (pipeline: string, region: string, runId: string) => Record<string, string> } {
  const [pipeline, region, runId] = bind(style, 'pipeline', 'region', 'run_id');
  return {
    sql: `SELECT source, sum(coalesce(rows_read, rows_staged))::bigint AS read, sum(inserted)::bigint AS inserted, sum(updated)::bigint AS updated,
                 sum(unchanged)::bigint AS unchanged, sum(deleted)::bigint AS deleted, sum(coalesce(deduplicated, 0))::bigint AS deduplicated,
                 sum(coalesce(dead_lettered, 0))::bigint AS dead_lettered
            FROM ${ident(schema)}.tributary_batches
           WHERE pipeline = ${pipeline} AND region = ${region} AND left(batch_id, length(${runId}) + 1) = ${runId} || ':' GROUP BY source`,
    params: (p, r, id) => ({ pipeline: p, region: r, run_id: id }),
  };
}

/** The Kafka ledger of one pipeline and region: the next offset per cell, topic and partition. */
export function offsetsSql(schema: string, style: ParamStyle): { sql: string; params: (pipeline: string, region: string) => Record<string, string> } {
  const [pipeline, region] = bind(style, 'pipeline', 'region');
  return {
    sql: `SELECT cell, topic, kafka_partition, next_offset FROM ${ident(schema)}.tributary_offsets WHERE pipeline = ${pipeline} AND region = ${region}`,
    params: (p, r) => ({ pipeline: p, region: r }),
  };
}

/** The newest watermark at a source, in the ledger's text format. */
export function sourceHighSql(schema: string, table: string, watermark: string): string {
  return `SELECT to_char(max(${ident(watermark)}), '${WATERMARK_FORMAT}') AS hi FROM ${ident(schema)}.${ident(table)}`;
}
