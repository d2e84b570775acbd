// Pure SQL for the PostgreSQL warehouse: target table DDL, the stage table, the keyed merge with
// a version guard, and the ledger. Identifiers are quoted; values are always bind parameters.
import pg from 'pg';
import type { ColumnSpec } from '../../postgres/columns.js';

const { escapeIdentifier: ident } = pg;

/** Columns Tributary adds to every target table. */
export const META_COLUMNS: ColumnSpec[] = [
  { name: '_region', type: 'text' },
  { name: '_synced_at', type: 'timestamp with time zone' },
];

export interface MergeSpec {
  schema: string;
  table: string;
  /** Source columns, as staged (the CSV column order). */
  columns: ColumnSpec[];
  key: string[];
  /** The version column: an incoming row never replaces a row with a newer value. */
  version: string;
}

const q = (schema: string, table: string) => `${ident(schema)}.${ident(table)}`;

export function stateTablesSql(schema: string): string[] {
  return [
    createSchemaSql(schema),
    `CREATE TABLE IF NOT EXISTS ${q(schema, 'tributary_checkpoints')} (
       pipeline text NOT NULL, region text NOT NULL, source text NOT NULL, stream text NOT NULL,
       position text NOT NULL, batch_id text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (pipeline, region, source, stream))`,
    `CREATE TABLE IF NOT EXISTS ${q(schema, 'tributary_batches')} (
       batch_id text PRIMARY KEY, pipeline text NOT NULL, region text NOT NULL, source text NOT NULL,
       target text NOT NULL, range_from text, range_to text NOT NULL,
       rows_staged bigint NOT NULL, inserted bigint NOT NULL, updated bigint NOT NULL,
       unchanged bigint NOT NULL, deleted bigint NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now())`,
  ];
}

/** Serialises merges into one target table across workers (transaction-scoped). */
export const LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`;

export function createSchemaSql(schema: string): string {
  return `CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`;
}

export function createTargetSql(spec: MergeSpec): string {
  const cols = [...spec.columns, ...META_COLUMNS].map((c) => `${ident(c.name)} ${c.type}`);
  const pk = [...spec.key, '_region'].map(ident).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${q(spec.schema, spec.table)} (${cols.join(', ')}, PRIMARY KEY (${pk}))`;
}

/** Columns present in the stage but not yet in the target are added (schema evolution: add only). */
export function addColumnsSql(spec: MergeSpec, existing: Set<string>): string[] {
  return spec.columns
    .filter((c) => !existing.has(c.name))
    .map((c) => `ALTER TABLE ${q(spec.schema, spec.table)} ADD COLUMN IF NOT EXISTS ${ident(c.name)} ${c.type}`);
}

export const STAGE_TABLE = 'tributary_stage';
export const INCOMING_TABLE = 'tributary_incoming';

export function createStageSql(spec: MergeSpec): string {
  const cols = spec.columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ');
  return `CREATE TEMP TABLE ${ident(STAGE_TABLE)} (${cols}) ON COMMIT DROP`;
}

export function copyIntoStageSql(spec: MergeSpec): string {
  return `COPY ${ident(STAGE_TABLE)} (${spec.columns.map((c) => ident(c.name)).join(', ')}) FROM STDIN WITH (FORMAT csv)`;
}

/** Dedup the stage by key: the row with the highest version wins. */
export function dedupSql(spec: MergeSpec): string {
  const key = spec.key.map(ident).join(', ');
  return `CREATE TEMP TABLE ${ident(INCOMING_TABLE)} ON COMMIT DROP AS
    SELECT DISTINCT ON (${key}) * FROM ${ident(STAGE_TABLE)} ORDER BY ${key}, ${ident(spec.version)} DESC NULLS LAST`;
}

const keyMatch = (spec: MergeSpec) => [...spec.key.map((k) => `t.${ident(k)} = s.${ident(k)}`), `t._region = $1`].join(' AND ');
const rowOf = (alias: string, spec: MergeSpec) => `ROW(${spec.columns.map((c) => `${alias}.${ident(c.name)}`).join(', ')})`;

/**
 * Deletes target rows that an incoming row replaces: same key, not newer, and different.
 * The row count is the number of updates. $1 = region.
 */
export function deleteReplacedSql(spec: MergeSpec): string {
  return `DELETE FROM ${q(spec.schema, spec.table)} t USING ${ident(INCOMING_TABLE)} s
    WHERE ${keyMatch(spec)} AND t.${ident(spec.version)} <= s.${ident(spec.version)}
      AND ${rowOf('t', spec)} IS DISTINCT FROM ${rowOf('s', spec)}`;
}

/**
 * Inserts incoming rows whose key is now absent: new keys and the replaced ones. Rows that are
 * unchanged, or older than the warehouse (the version guard), find their key present and stay out.
 * $1 = region.
 */
export function insertSql(spec: MergeSpec): string {
  const cols = spec.columns.map((c) => ident(c.name));
  return `INSERT INTO ${q(spec.schema, spec.table)} (${[...cols, '_region', '_synced_at'].join(', ')})
    SELECT ${cols.map((c) => `s.${c}`).join(', ')}, $1, now() FROM ${ident(INCOMING_TABLE)} s
    WHERE NOT EXISTS (SELECT 1 FROM ${q(spec.schema, spec.table)} t WHERE ${keyMatch(spec)})`;
}

export function findBatchSql(schema: string): string {
  return `SELECT rows_staged, inserted, updated, unchanged, deleted FROM ${q(schema, 'tributary_batches')} WHERE batch_id = $1`;
}

/** $1 batch, $2 pipeline, $3 region, $4 source, $5 target, $6 from, $7 to, $8 staged, $9 inserted, $10 updated, $11 unchanged, $12 deleted. */
export function insertBatchSql(schema: string): string {
  return `INSERT INTO ${q(schema, 'tributary_batches')}
    (batch_id, pipeline, region, source, target, range_from, range_to, rows_staged, inserted, updated, unchanged, deleted)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`;
}

/**
 * Moves the checkpoint forward only: positions are fixed-format text, so text order is their order.
 * $1 pipeline, $2 region, $3 source, $4 stream, $5 position, $6 batch.
 */
export function upsertCheckpointSql(schema: string): string {
  const t = q(schema, 'tributary_checkpoints');
  return `INSERT INTO ${t} AS c (pipeline, region, source, stream, position, batch_id) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (pipeline, region, source, stream)
    DO UPDATE SET position = EXCLUDED.position, batch_id = EXCLUDED.batch_id, updated_at = now()
    WHERE c.position < EXCLUDED.position`;
}

/** $1 pipeline, $2 region, $3 source, $4 stream. */
export function readCheckpointSql(schema: string): string {
  return `SELECT position FROM ${q(schema, 'tributary_checkpoints')} WHERE pipeline = $1 AND region = $2 AND source = $3 AND stream = $4`;
}
