// Pure SQL for topic merges into the PostgreSQL warehouse: the target table (mapped columns,
// Kafka metadata, lineage), the staged rows and dead letters, the keyed upsert or the append,
// and the offsets ledger that makes each partition's load exactly once. Identifiers are quoted;
// values are always bind parameters.
import pg from 'pg';
import type { ColumnSpec } from '../../specs/columns.js';
import { CELL_COLUMN, KAFKA_COLUMNS } from '../../specs/topic-columns.js';
import { createDeadStageSql, DEAD_LETTERS_TABLE, DEAD_STAGE, deadLettersTableSql } from './dead-letters-sql.js';
import { copyFormatOption, type StagedFormat } from '../../stage/staged-format.js';
import { LINEAGE_COLUMNS, type TopicMergeSpec } from '../../specs/merge-specs.js';

export type { TopicMergeSpec } from '../../specs/merge-specs.js';
export { copyDeadLettersSql, DEAD_LETTERS_TABLE, insertDeadLettersSql } from './dead-letters-sql.js';

const { escapeIdentifier: ident } = pg;

export const OFFSETS_TABLE = 'tributary_offsets';
const STAGE = 'tributary_topic_stage';
const INCOMING = 'tributary_topic_incoming';
const DEAD = DEAD_STAGE;

const q = (schema: string, table: string) => `${ident(schema)}.${ident(table)}`;
const target = (s: TopicMergeSpec) => q(s.schema, s.table);
const names = (cols: ColumnSpec[]) => cols.map((c) => ident(c.name));

export function topicStateTablesSql(schema: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`,
    `CREATE TABLE IF NOT EXISTS ${q(schema, OFFSETS_TABLE)} (
       pipeline text NOT NULL, region text NOT NULL, cell text NOT NULL, topic text NOT NULL,
       kafka_partition integer NOT NULL, source text NOT NULL, next_offset bigint NOT NULL,
       batch_id text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (pipeline, region, cell, topic, kafka_partition))`,
    deadLettersTableSql(schema),
  ];
}

/** Every column of a topic target, in table order. */
export function topicTargetColumns(spec: TopicMergeSpec): ColumnSpec[] {
  return [...spec.columns, ...KAFKA_COLUMNS, CELL_COLUMN, ...LINEAGE_COLUMNS];
}

/** Keyed: one row per key and cluster. Append-only: one row per message (cluster, partition, offset). */
export function createTopicTargetSql(spec: TopicMergeSpec): string {
  const cols = topicTargetColumns(spec).map((c) => `${ident(c.name)} ${c.type}`);
  const pk = spec.key ? [...spec.key, '_source'] : ['_source', 'kafka_partition', 'kafka_offset'];
  return `CREATE TABLE IF NOT EXISTS ${target(spec)} (${cols.join(', ')}, PRIMARY KEY (${pk.map(ident).join(', ')}))`;
}

export function addTopicColumnsSql(spec: TopicMergeSpec, columns: ColumnSpec[]): string[] {
  return columns.map((c) => `ALTER TABLE ${target(spec)} ADD COLUMN IF NOT EXISTS ${ident(c.name)} ${c.type}`);
}

export function createTopicStageSql(spec: TopicMergeSpec): string[] {
  const staged = [...spec.columns, ...KAFKA_COLUMNS].map((c) => `${ident(c.name)} ${c.type}`);
  return [`CREATE TEMP TABLE ${ident(STAGE)} (${staged.join(', ')}) ON COMMIT DROP`, createDeadStageSql()];
}

export function copyTopicRowsSql(spec: TopicMergeSpec, format: StagedFormat): string {
  return `COPY ${ident(STAGE)} (${names([...spec.columns, ...KAFKA_COLUMNS]).join(', ')}) FROM STDIN WITH (${copyFormatOption(format)})`;
}

/** Append-only, binary: the staged rows straight into the target, each with its cell and lineage appended (in this order). */
export function copyTopicRowsIntoTargetSql(spec: TopicMergeSpec): string {
  return `COPY ${target(spec)} (${insertColumns(spec)}) FROM STDIN WITH (FORMAT binary)`;
}

/** Drops staged messages the ledger says are loaded already (part of the range committed by another run). $1 first offset to keep. */
export function trimStagedSql(): string[] {
  return [`DELETE FROM ${ident(STAGE)} WHERE kafka_offset < $1`, `DELETE FROM ${ident(DEAD)} WHERE kafka_offset < $1`];
}

/** $1 pipeline, $2 region, $3 cell, $4 topic, $5 partition: locks the partition's ledger row for this transaction. */
export function lockOffsetSql(schema: string): string {
  return `SELECT next_offset FROM ${q(schema, OFFSETS_TABLE)}
    WHERE pipeline = $1 AND region = $2 AND cell = $3 AND topic = $4 AND kafka_partition = $5 FOR UPDATE`;
}

/** $1 pipeline, $2 region, $3 cell, $4 topic. */
export function readOffsetsSql(schema: string): string {
  return `SELECT kafka_partition, next_offset FROM ${q(schema, OFFSETS_TABLE)} WHERE pipeline = $1 AND region = $2 AND cell = $3 AND topic = $4`;
}

/** Forward only. $1 pipeline, $2 region, $3 cell, $4 topic, $5 partition, $6 source, $7 next offset, $8 batch. */
export function upsertOffsetSql(schema: string): string {
  return `INSERT INTO ${q(schema, OFFSETS_TABLE)} AS o (pipeline, region, cell, topic, kafka_partition, source, next_offset, batch_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (pipeline, region, cell, topic, kafka_partition)
    DO UPDATE SET next_offset = EXCLUDED.next_offset, source = EXCLUDED.source, batch_id = EXCLUDED.batch_id, updated_at = now()
    WHERE o.next_offset < EXCLUDED.next_offset`;
}

const lineageValues = `$1, $2, $3, $4::timestamptz, now()`;
const insertColumns = (spec: TopicMergeSpec) => [...names([...spec.columns, ...KAFKA_COLUMNS]), ident('_cell'), ...names(LINEAGE_COLUMNS)].join(', ');
const selectColumns = (spec: TopicMergeSpec) => names([...spec.columns, ...KAFKA_COLUMNS]).map((c) => `s.${c}`).join(', ');

/** Append-only: every staged message is a new row. $1 source, $2 region, $3 batch, $4 extracted at, $5 cell. */
export function appendSql(spec: TopicMergeSpec): string {
  return `INSERT INTO ${target(spec)} (${insertColumns(spec)}) SELECT ${selectColumns(spec)}, $5, ${lineageValues} FROM ${ident(STAGE)} s`;
}

const keyMatch = (spec: TopicMergeSpec) => [...spec.key!.map((k) => `t.${ident(k)} = s.${ident(k)}`), 't._source = $1'].join(' AND ');

/** Keyed: the newest message (highest offset) of each key in the batch. */
export function incomingByKeySql(spec: TopicMergeSpec): string {
  const key = spec.key!.map(ident).join(', ');
  return `CREATE TEMP TABLE ${ident(INCOMING)} ON COMMIT DROP AS
    SELECT DISTINCT ON (${key}) * FROM ${ident(STAGE)} ORDER BY ${key}, kafka_offset DESC`;
}

/**
 * Keyed: deletes the rows an incoming message replaces. Kafka orders a key only inside its
 * partition, so there the offset decides; a key that moved partitions (repartitioned topic)
 * is decided by message timestamp. $1 source. The count is the number of updates.
 */
export function deleteReplacedByKeySql(spec: TopicMergeSpec): string {
  return `DELETE FROM ${target(spec)} t USING ${ident(INCOMING)} s WHERE ${keyMatch(spec)}
    AND CASE WHEN t.kafka_partition = s.kafka_partition THEN t.kafka_offset < s.kafka_offset
             ELSE coalesce(t.kafka_timestamp <= s.kafka_timestamp, true) END`;
}

/** Keyed: inserts incoming rows whose key is now absent (new keys and the replaced ones). $1 source, $2 region, $3 batch, $4 extracted at, $5 cell. */
export function insertByKeySql(spec: TopicMergeSpec): string {
  return `INSERT INTO ${target(spec)} (${insertColumns(spec)}) SELECT ${selectColumns(spec)}, $5, ${lineageValues} FROM ${ident(INCOMING)} s
    WHERE NOT EXISTS (SELECT 1 FROM ${target(spec)} t WHERE ${keyMatch(spec)})`;
}

/**
 * Keyed: the newest messages of their key that the target holds newer (or the same) from another
 * batch: the merge left those rows as they were. Measured, so the batch's counts can disagree.
 * $1 source, $2 batch id.
 */
export function olderThanTargetSql(spec: TopicMergeSpec): string {
  return `SELECT count(*)::bigint AS n FROM ${ident(INCOMING)} s
    WHERE EXISTS (SELECT 1 FROM ${target(spec)} t WHERE ${keyMatch(spec)} AND t._batch_id IS DISTINCT FROM $2)`;
}

/** One row for offsets deleted by retention before they were loaded. $1 pipeline, $2 region, $3 source, $4 cell, $5 topic, $6 partition, $7 first lost offset, $8 detail, $9 batch. */
export function insertGapSql(schema: string): string {
  return `INSERT INTO ${q(schema, DEAD_LETTERS_TABLE)} (pipeline, region, source, cell, topic, kafka_partition, kafka_offset, reason, detail, batch_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, 'retention-gap', $8, $9)`;
}
