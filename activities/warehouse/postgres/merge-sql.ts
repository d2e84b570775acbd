// Pure SQL for the PostgreSQL warehouse: target table DDL, the stage table, the keyed merge
// (upsert with a version guard for facts; snapshot compare-by-hash with deletes for
// dimensions) and the ledger. Identifiers are quoted; values are always bind parameters.
import { compareExpr } from '../../../types/render.js';
import pg from 'pg';
import type { ColumnSpec } from '../../specs/columns.js';
import { copyFormatOption, type StagedFormat } from '../../stage/staged-format.js';
import { LINEAGE_COLUMNS, ROW_HASH, modeColumns, type MergeSpec } from '../../specs/merge-specs.js';
import type { Retype } from '../../merge-rules/type-change.js';

export { LINEAGE_COLUMNS, ROW_HASH, SOFT_DELETE_COLUMNS, modeColumns, type MergeMode, type MergeSpec } from '../../specs/merge-specs.js';

const { escapeIdentifier: ident } = pg;

/** Bind parameters shared by the merge statements: $1 source, $2 region, $3 batch id, $4 extracted at. */
export const LINEAGE_PARAMS = 4;

const q = (schema: string, table: string) => `${ident(schema)}.${ident(table)}`;
const target = (spec: MergeSpec) => q(spec.schema, spec.table);
const isSnapshot = (spec: MergeSpec) => spec.mode.kind === 'snapshot';

export function createSchemaSql(schema: string): string {
  return `CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`;
}

export function stateTablesSql(schema: string): string[] {
  return [
    createSchemaSql(schema),
    `CREATE TABLE IF NOT EXISTS ${q(schema, 'tributary_checkpoints')} (
       pipeline text NOT NULL, region text NOT NULL, source text NOT NULL, stream text NOT NULL,
       position text NOT NULL, batch_id text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (pipeline, region, source, stream))`,
    `CREATE TABLE IF NOT EXISTS ${q(schema, 'tributary_batches')} (
       batch_id text PRIMARY KEY, pipeline text NOT NULL, region text NOT NULL, source text NOT NULL,
       source_table text NOT NULL, target text NOT NULL, range_from text, range_to text,
       rows_staged bigint NOT NULL, inserted bigint NOT NULL, updated bigint NOT NULL,
       unchanged bigint NOT NULL, deleted bigint NOT NULL, checksum text NOT NULL,
       loaded_at timestamptz NOT NULL DEFAULT now())`,
    // The checkpoint a chunk reaches once every earlier chunk of its run is merged too (added later: kept nullable).
    `ALTER TABLE ${q(schema, 'tributary_batches')} ADD COLUMN IF NOT EXISTS chunk_checkpoint text`,
    // The batch's proof of its counts (batch-counts.ts; added later: null in older rows).
    `ALTER TABLE ${q(schema, 'tributary_batches')} ${LEDGER_COUNT_COLUMNS.map((c) => `ADD COLUMN IF NOT EXISTS ${c} bigint`).join(', ')}`,
  ];
}

/** Serialises merges into one target table across workers, until explicitly unlocked (session-scoped). */
export const SESSION_LOCK_SQL = `SELECT pg_advisory_lock(hashtextextended($1, 0))`;
export const UNLOCK_SQL = `SELECT pg_advisory_unlock(hashtextextended($1, 0))`;

/** Lets merges that only append their own rows into a settled target run side by side (transaction-scoped). */
export const SHARED_LOCK_SQL = `SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))`;

/** Serialises merges into one target table across workers (transaction-scoped). */
export const LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`;

/** Extra columns the target carries for this merge mode. */

export function createTargetSql(spec: MergeSpec): string {
  const cols = [...spec.columns, ...modeColumns(spec.mode), ...LINEAGE_COLUMNS].map((c) => `${ident(c.name)} ${c.type}`);
  const pk = [...spec.key, '_source'].map(ident).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${target(spec)} (${cols.join(', ')}, PRIMARY KEY (${pk}))`;
}

export function targetColumnsSql(): string {
  return `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
           WHERE attrelid = to_regclass(quote_ident($1) || '.' || quote_ident($2)) AND attnum > 0 AND NOT attisdropped`;
}

/**
 * Widens target columns in place (a column retyped to a wider type), in the merge's transaction.
 * A timestamp's values become timestamptz read as UTC, as the stage wrote them, not in the
 * session's zone.
 */
export function widenColumnsSql(t: { schema: string; table: string }, columns: readonly Retype[]): string[] {
  return columns.map((c) => {
    const col = ident(c.name);
    const zoned = c.from.startsWith('timestamp') && c.from.endsWith('without time zone') && c.to.endsWith('with time zone');
    return `ALTER TABLE ${q(t.schema, t.table)} ALTER COLUMN ${col} TYPE ${c.to} USING ${zoned ? `${col} AT TIME ZONE 'UTC'` : `${col}::${c.to}`}`;
  });
}

/** Adds columns the target lacks (schema evolution: add only, never drop or retype). */
export function addColumnsSql(spec: MergeSpec, columns: ColumnSpec[]): string[] {
  return columns.map((c) => `ALTER TABLE ${target(spec)} ADD COLUMN IF NOT EXISTS ${ident(c.name)} ${c.type}`);
}

export const STAGE_TABLE = 'tributary_stage';
export const INCOMING_TABLE = 'tributary_incoming';

export function createStageSql(spec: MergeSpec): string {
  const cols = spec.stagedColumns.map((c) => `${ident(c.name)} ${c.type}`).join(', ');
  return `CREATE TEMP TABLE ${ident(STAGE_TABLE)} (${cols}) ON COMMIT DROP`;
}

export function copyIntoStageSql(spec: MergeSpec, format: StagedFormat = 'csv'): string {
  return `COPY ${ident(STAGE_TABLE)} (${spec.stagedColumns.map((c) => ident(c.name)).join(', ')}) FROM STDIN WITH (${copyFormatOption(format)})`;
}

const keyMatch = (spec: MergeSpec) => [...spec.key.map((k) => `t.${ident(k)} = s.${ident(k)}`), `t._source = $1`].join(' AND ');
// Each column compared as the type map says: by text where the type's equality is looser than its text form or missing (json).
const rowOf = (alias: string, spec: MergeSpec) => `ROW(${spec.columns.map((c) => compareExpr(c, `${alias}.${ident(c.name)}`)).join(', ')})`;

/**
 * The rows of the batch that may change the target. Facts: the stage itself (a stage with a
 * duplicate key is refused before this, so it holds one row per key). Dimensions: the rows whose
 * hash differs from the live warehouse row, or which are new. Returns null when no table is built.
 */
export function incomingSql(spec: MergeSpec): string | null {
  if (spec.mode.kind === 'upsert') return null;
  const live = spec.mode.deletes === 'soft' ? ' AND NOT t._deleted' : '';
  return `CREATE TEMP TABLE ${ident(INCOMING_TABLE)} ON COMMIT DROP AS
    SELECT s.* FROM ${ident(STAGE_TABLE)} s
     WHERE NOT EXISTS (SELECT 1 FROM ${target(spec)} t WHERE ${keyMatch(spec)} AND t._row_hash = s._row_hash${live})`;
}

const incoming = (spec: MergeSpec) => ident(spec.mode.kind === 'upsert' ? STAGE_TABLE : INCOMING_TABLE);

/**
 * A batch is small next to its target: probing the target's primary key per staged row costs
 * O(batch), where the hash or merge join the planner may pick reads the whole target, once per
 * batch, which makes a chunked first load quadratic. Transaction-scoped; for upserts only: a
 * snapshot compares the whole table, where hash joins are right.
 */
export const PROBE_BY_KEY_SQL = [`SET LOCAL enable_hashjoin = off`, `SET LOCAL enable_mergejoin = off`];

/**
 * Deletes the target rows an incoming row replaces; the count is the number of updates.
 * Facts: same key, not newer (the version guard), and different. Dimensions: same key.
 */
export function deleteReplacedSql(spec: MergeSpec): string {
  const base = `DELETE FROM ${target(spec)} t USING ${incoming(spec)} s WHERE ${keyMatch(spec)}`;
  if (spec.mode.kind === 'snapshot') return base;
  const v = ident(spec.mode.version);
  return `${base} AND t.${v} <= s.${v} AND ${rowOf('t', spec)} IS DISTINCT FROM ${rowOf('s', spec)}`;
}

/**
 * Inserts incoming rows whose key is now absent: new keys and the replaced ones. Fact rows that
 * are unchanged, or older than the warehouse (version guard), find their key present and stay out.
 */
export function insertSql(spec: MergeSpec): string {
  const cols = [...spec.columns, ...(isSnapshot(spec) ? [ROW_HASH] : [])].map((c) => ident(c.name));
  const lineage = LINEAGE_COLUMNS.map((c) => ident(c.name));
  return `INSERT INTO ${target(spec)} (${[...cols, ...lineage].join(', ')})
    SELECT ${cols.map((c) => `s.${c}`).join(', ')}, $1, $2, $3, $4::timestamptz, now() FROM ${incoming(spec)} s
    WHERE NOT EXISTS (SELECT 1 FROM ${target(spec)} t WHERE ${keyMatch(spec)})`;
}

/** Dimensions: keys of this source that the snapshot no longer has are deleted, or marked. $1 source. */
export function deleteMissingSql(spec: MergeSpec): string | null {
  if (spec.mode.kind !== 'snapshot' || spec.mode.partial) return null;
  const missing = `t._source = $1 AND NOT EXISTS (SELECT 1 FROM ${ident(STAGE_TABLE)} s WHERE ${keyMatch(spec)})`;
  if (spec.mode.deletes === 'hard') return `DELETE FROM ${target(spec)} t WHERE ${missing}`;
  return `UPDATE ${target(spec)} t SET _deleted = true, _deleted_at = now() WHERE NOT t._deleted AND ${missing}`;
}

/**
 * A first load: no batch of any other run ever wrote this source's rows into this target, so
 * no key of the batch can be there yet (keys are unique at the source, and the chunks of one
 * run hold disjoint rows). $1 target, $2 source, $3 this run's batch-id prefix.
 */
export function firstLoadSql(schema: string): string {
  return `SELECT NOT EXISTS (SELECT 1 FROM ${q(schema, 'tributary_batches')}
                             WHERE target = $1 AND source = $2 AND left(batch_id, length($3)) <> $3) AS first`;
}

/** A first load's staged file, with the lineage fields appended to each record, goes straight into the target. */
export function copyIntoTargetSql(spec: MergeSpec, format: StagedFormat = 'csv'): string {
  const cols = [...spec.stagedColumns, ...LINEAGE_COLUMNS].map((c) => ident(c.name));
  return `COPY ${target(spec)} (${cols.join(', ')}) FROM STDIN WITH (${copyFormatOption(format)})`;
}

/** The transaction's time (every row's _loaded_at), as text and as microseconds since the Unix epoch. */
export const NOW_SQL = `SELECT now()::text AS text, (extract(epoch FROM now()) * 1000000)::bigint::text AS micros`;

/** The staged CSV holds exactly the target's columns of this merge (no column ignored by policy). */
export function stagedMatchesTarget(spec: MergeSpec): boolean {
  const want = [...spec.columns, ...(isSnapshot(spec) ? [ROW_HASH] : [])].map((c) => c.name);
  return want.length === spec.stagedColumns.length && want.every((n, i) => spec.stagedColumns[i]!.name === n);
}

/** Ledger columns added with the count check, in the order insertBatchSql binds them ($15 on). */
export const LEDGER_COUNT_COLUMNS = ['rows_read', 'deduplicated', 'dead_lettered', 'deleted_absent', 'target_rows', 'drift_rows'] as const;

export function findBatchSql(schema: string): string {
  return `SELECT rows_staged, inserted, updated, unchanged, deleted, checksum, ${LEDGER_COUNT_COLUMNS.join(', ')} FROM ${q(schema, 'tributary_batches')} WHERE batch_id = $1`;
}

/**
 * $1 batch, $2 pipeline, $3 region, $4 source, $5 source table, $6 target, $7 from, $8 to, $9 staged, $10 inserted, $11 updated, $12 unchanged, $13 deleted, $14 checksum,
 * $15 read, $16 deduplicated, $17 dead-lettered, $18 deleted as absent, $19 target rows, $20 drift rows (ledgerParams).
 */
export function insertBatchSql(schema: string): string {
  return `INSERT INTO ${q(schema, 'tributary_batches')}
    (batch_id, pipeline, region, source, source_table, target, range_from, range_to, rows_staged, inserted, updated, unchanged, deleted, checksum, ${LEDGER_COUNT_COLUMNS.join(', ')})
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`;
}

/** The live rows of one source in a target (soft-deleted ones are gone). $1 source. */
export function sourceRowsSql(spec: { schema: string; table: string }, soft: boolean): string {
  return `SELECT count(*)::bigint AS n FROM ${q(spec.schema, spec.table)} WHERE _source = $1${soft ? ' AND NOT _deleted' : ''}`;
}

/** The source's rows in the target as the last batch that counted them left them. $1 target, $2 source. */
export function lastTargetRowsSql(schema: string): string {
  return `SELECT target_rows FROM ${q(schema, 'tributary_batches')} WHERE target = $1 AND source = $2 AND target_rows IS NOT NULL ORDER BY loaded_at DESC, batch_id DESC LIMIT 1`;
}

/**
 * Staged rows whose key the target holds from another batch: the merge left them as they were
 * (same row, or older than the warehouse's). Measured, not derived, so the counts can disagree.
 * $1 source, $2 batch id.
 */
export function unchangedSql(spec: MergeSpec): string {
  return `SELECT count(*)::bigint AS n FROM ${ident(STAGE_TABLE)} s
    WHERE EXISTS (SELECT 1 FROM ${target(spec)} t WHERE ${keyMatch(spec)} AND t._batch_id IS DISTINCT FROM $2)`;
}

/** $1 batch id, $2 the checkpoint its chunk reaches. */
export function setChunkCheckpointSql(schema: string): string {
  return `UPDATE ${q(schema, 'tributary_batches')} SET chunk_checkpoint = $2 WHERE batch_id = $1`;
}

/**
 * Chunks of one run may merge side by side and commit out of order: the checkpoint is the one
 * of the last chunk of the contiguous merged prefix (chunks 0..k all in the ledger), so a run
 * that stops for good never leaves an unmerged chunk behind it. Batch ids are "<run>:<n>".
 * $1 the run's prefix "<run>:". Returns no row while chunk 0 is missing.
 */
export function chunkPrefixCheckpointSql(schema: string): string {
  return `WITH done AS (
      SELECT substr(batch_id, length($1) + 1)::int AS n, chunk_checkpoint FROM ${q(schema, 'tributary_batches')}
       WHERE left(batch_id, length($1)) = $1 AND substr(batch_id, length($1) + 1) ~ '^[0-9]+$'),
    gap AS (SELECT min(g) AS g FROM generate_series(0, (SELECT coalesce(max(n), 0) + 1 FROM done)) g WHERE g NOT IN (SELECT n FROM done))
    SELECT d.chunk_checkpoint AS position FROM done d, gap WHERE d.n = gap.g - 1 AND d.chunk_checkpoint IS NOT NULL`;
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
