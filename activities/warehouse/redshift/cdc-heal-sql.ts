// Pure SQL for what brings a CDC target back to its source besides row changes, on Redshift (the
// PostgreSQL twin is ../postgres/cdc-heal-sql.ts; the argument is in docs/cdc.md): snapshot epochs
// per partition, the open snapshot per topic, a truncate, and a closed snapshot's gap deletes.
// The merge decides in TypeScript from the ledger read before the batch (the offsets guard inside
// the batch's transaction fails it if another batch moved the ledger meanwhile); these statements
// go into the same BatchExecuteStatement. No ON CONFLICT on Redshift: delete where behind, insert
// where absent. Counts of what a truncate or a gap delete removes go to temp tables, read by the
// ledger row and the result.
import { qualified } from './identifiers.js';
import type { Params } from './merge-sql.js';
import { V } from './offsets-sql.js';
import { stateSchemaSqls, TOPIC_KEY_DEFS } from './state-schema.js';

export const EPOCHS_TABLE = 'tributary_cdc_epochs';
export const SNAPSHOTS_TABLE = 'tributary_cdc_snapshots';
export const TRUNCATED = 'tributary_cdc_truncated';
export const GAP_DELETED = 'tributary_cdc_gap_deleted';
const NEW_EPOCHS = 'tributary_cdc_new_epochs';

export function cdcHealTablesSql(schema: string): string[] {
  return stateSchemaSqls(schema, (q) => [
    `CREATE TABLE IF NOT EXISTS ${q(EPOCHS_TABLE)} (
       ${TOPIC_KEY_DEFS},
       kafka_partition INTEGER NOT NULL, epoch_lsn DECIMAL(20,0) NOT NULL, batch_id VARCHAR(512) NOT NULL, updated_at TIMESTAMPTZ NOT NULL,
       PRIMARY KEY (pipeline, region, cell, topic, kafka_partition))`,
    `CREATE TABLE IF NOT EXISTS ${q(SNAPSHOTS_TABLE)} (
       ${TOPIC_KEY_DEFS},
       snapshot_lsn DECIMAL(20,0) NOT NULL, closing BOOLEAN NOT NULL, mark_partition INTEGER, batch_id VARCHAR(512) NOT NULL,
       updated_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (pipeline, region, cell, topic))`,
  ]);
}

const TOPIC_COLUMNS = ['pipeline', 'region', 'cell', 'topic'];
const KEY = TOPIC_COLUMNS.map((c) => `${c} = :${c}`).join(' AND ');
/** The topic of one cell cluster, as the offsets ledger names it. */
const topicOf = (p: Params, alias = '') => TOPIC_COLUMNS.map((c) => `${alias}${c} = ${p.ref(c)}`).join(' AND ');

/** :pipeline, :region, :cell, :topic. */
export function readEpochsSql(schema: string): string {
  return `SELECT kafka_partition, CAST(epoch_lsn AS VARCHAR(40)) AS lsn FROM ${qualified(schema, EPOCHS_TABLE)} WHERE ${KEY}`;
}

/** :pipeline, :region, :cell, :topic. */
export function readSnapshotSql(schema: string): string {
  return `SELECT CAST(snapshot_lsn AS VARCHAR(40)) AS lsn, CASE WHEN closing THEN 1 ELSE 0 END AS closing, mark_partition FROM ${qualified(schema, SNAPSHOTS_TABLE)} WHERE ${KEY}`;
}

/** What the batch does besides its changes, decided from the ledger read before it. */
export interface CdcHeal {
  /** The staged files carry _partition: streamed changes rise to their partition's epoch. */
  raise: boolean;
  /** The truncate's version, raised to its partition's epoch: the source's rows up to it go first. */
  truncateVersion: string | null;
  /** A snapshot closes: the source's rows below its point go after the changes. */
  closeBelow: string | null;
  /** Epochs the batch raises. */
  epochs: { partition: number; lsn: string }[];
  /** The open snapshot to keep (null: none); undefined leaves the ledger row as it is. */
  snapshot?: { lsn: string; closing: boolean; markPartition: number | null } | null;
}

/** Parameter values the heal statements reference. */
export function healValues(h: CdcHeal): Record<string, string | number | null> {
  return {
    truncate_version: h.truncateVersion,
    close_below: h.closeBelow,
    ...Object.fromEntries(h.epochs.flatMap((e, i): [string, string | number][] => [[`ep_${i}`, e.partition], [`el_${i}`, e.lsn]])),
    ...(h.snapshot ? { snap_lsn: h.snapshot.lsn, snap_closing: h.snapshot.closing ? 'true' : 'false', snap_mark: h.snapshot.markPartition } : {}),
  };
}

/** Raises each staged streamed change to its partition's epoch in the ledger. */
export function raiseToEpochsSql(p: Params, schema: string, stage: string): string {
  return `UPDATE ${stage} SET "_lsn" = e.epoch_lsn FROM ${qualified(schema, EPOCHS_TABLE)} e
    WHERE ${topicOf(p, 'e.')} AND e.kafka_partition = ${stage}."_partition" AND e.epoch_lsn > ${stage}."_lsn"`;
}

/**
 * Counts into `countTable`, then removes (or marks deleted) the source's rows whose version is
 * `cmp` the bound (`param`): a truncate up to its version (<=), a closed snapshot below its point (<).
 */
export function deleteByVersionSqls(p: Params, o: { target: string; deletes: 'hard' | 'soft'; cmp: '<' | '<='; param: string; countTable: string }): string[] {
  const bound = p.ref(o.param, 'DECIMAL(20,0)');
  const live = o.deletes === 'soft' ? ` AND NOT "_deleted"` : '';
  const where = `"_source" = ${p.ref('source')} AND "_lsn" ${o.cmp} ${bound}${live}`;
  const count = `CREATE TEMP TABLE ${o.countTable} AS SELECT COUNT(*) AS n FROM ${o.target} WHERE ${where}`;
  if (o.deletes === 'hard') return [count, `DELETE FROM ${o.target} WHERE ${where}`];
  const at = p.ref('loaded_at', 'TIMESTAMPTZ');
  return [count, `UPDATE ${o.target} SET "_deleted" = TRUE, "_deleted_at" = ${at}, "_lsn" = ${bound}, "_batch_id" = ${p.ref('batch_id')}, "_loaded_at" = ${at} WHERE ${where}`];
}

/** Moves the epochs forward: the batch's into a temp table, delete the ones behind, insert where none is left. */
export function upsertEpochsSqls(p: Params, schema: string, epochs: number): string[] {
  if (epochs === 0) return [];
  const e = qualified(schema, EPOCHS_TABLE);
  const rows = Array.from({ length: epochs }, (_, i) => `SELECT ${p.ref(`ep_${i}`, 'INTEGER')} AS kafka_partition, ${p.ref(`el_${i}`, 'DECIMAL(20,0)')} AS epoch_lsn`).join(' UNION ALL ');
  return [
    `CREATE TEMP TABLE ${NEW_EPOCHS} AS ${rows}`,
    `DELETE FROM ${e} USING ${NEW_EPOCHS} n WHERE ${topicOf(p, `${e}.`)} AND ${e}.kafka_partition = n.kafka_partition AND ${e}.epoch_lsn < n.epoch_lsn`,
    `INSERT INTO ${e} (pipeline, region, cell, topic, kafka_partition, epoch_lsn, batch_id, updated_at)
       SELECT ${p.ref('pipeline', V)}, ${p.ref('region', V)}, ${p.ref('cell', V)}, ${p.ref('topic', V)}, n.kafka_partition, n.epoch_lsn, ${p.ref('batch_id', V)}, ${p.ref('loaded_at', 'TIMESTAMPTZ')}
         FROM ${NEW_EPOCHS} n WHERE NOT EXISTS (SELECT 1 FROM ${e} x WHERE ${topicOf(p, 'x.')} AND x.kafka_partition = n.kafka_partition)`,
  ];
}

/** Replaces the topic's open snapshot with the one to keep (none: just deletes it). */
export function keepSnapshotSqls(p: Params, schema: string, keep: CdcHeal['snapshot']): string[] {
  if (keep === undefined) return [];
  const s = qualified(schema, SNAPSHOTS_TABLE);
  const out = [`DELETE FROM ${s} WHERE ${topicOf(p)}`];
  if (keep) {
    out.push(
      `INSERT INTO ${s} (pipeline, region, cell, topic, snapshot_lsn, closing, mark_partition, batch_id, updated_at) VALUES (${[
        p.ref('pipeline', V),
        p.ref('region', V),
        p.ref('cell', V),
        p.ref('topic', V),
        p.ref('snap_lsn', 'DECIMAL(20,0)'),
        p.ref('snap_closing', 'BOOLEAN'),
        p.ref('snap_mark', 'INTEGER'),
        p.ref('batch_id', V),
        p.ref('loaded_at', 'TIMESTAMPTZ'),
      ].join(', ')})`,
    );
  }
  return out;
}
