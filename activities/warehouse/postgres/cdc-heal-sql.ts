// Pure SQL for what brings a CDC target back to its source besides row changes, on the PostgreSQL
// warehouse: the snapshot epochs of each partition (streamed changes sent after a snapshot are
// versioned at least at its point, see activities/sources/debezium/snapshot-epochs.ts), the open snapshot of
// each topic, a truncate (the source's rows up to its version go), and a snapshot's gap deletes
// (the source's rows older than its point that it did not write). Values are bind parameters.
import pg from 'pg';
import { CDC_STAGE, type CdcMergeSpec } from './cdc-merge-sql.js';

const { escapeIdentifier: ident } = pg;

export const EPOCHS_TABLE = 'tributary_cdc_epochs';
export const SNAPSHOTS_TABLE = 'tributary_cdc_snapshots';

const q = (schema: string, table: string) => `${ident(schema)}.${ident(table)}`;
const target = (s: CdcMergeSpec) => q(s.schema, s.table);
/** A topic of one cell cluster, as the offsets ledger names it: $1 pipeline, $2 region, $3 cell, $4 topic. */
const TOPIC = 'pipeline = $1 AND region = $2 AND cell = $3 AND topic = $4';

export function cdcHealTablesSql(schema: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${q(schema, EPOCHS_TABLE)} (
       pipeline text NOT NULL, region text NOT NULL, cell text NOT NULL, topic text NOT NULL, kafka_partition integer NOT NULL,
       epoch_lsn numeric(20) NOT NULL, batch_id text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (pipeline, region, cell, topic, kafka_partition))`,
    `CREATE TABLE IF NOT EXISTS ${q(schema, SNAPSHOTS_TABLE)} (
       pipeline text NOT NULL, region text NOT NULL, cell text NOT NULL, topic text NOT NULL,
       snapshot_lsn numeric(20) NOT NULL, closing boolean NOT NULL, mark_partition integer, batch_id text NOT NULL,
       updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (pipeline, region, cell, topic))`,
  ];
}

/** Raises each staged streamed change to its partition's epoch in the ledger. $1-$4 the topic. */
export function raiseToEpochsSql(schema: string): string {
  return `UPDATE ${ident(CDC_STAGE)} s SET _lsn = e.epoch_lsn FROM ${q(schema, EPOCHS_TABLE)} e
    WHERE e.pipeline = $1 AND e.region = $2 AND e.cell = $3 AND e.topic = $4 AND e.kafka_partition = s._partition AND e.epoch_lsn > s._lsn`;
}

/** Forward only. $1-$4 the topic, $5 partition, $6 epoch, $7 batch id. */
export function upsertEpochSql(schema: string): string {
  return `INSERT INTO ${q(schema, EPOCHS_TABLE)} AS e (pipeline, region, cell, topic, kafka_partition, epoch_lsn, batch_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (pipeline, region, cell, topic, kafka_partition) DO UPDATE SET epoch_lsn = EXCLUDED.epoch_lsn, batch_id = EXCLUDED.batch_id, updated_at = now()
    WHERE e.epoch_lsn < EXCLUDED.epoch_lsn`;
}

/** $1-$4 the topic. */
export function readSnapshotSql(schema: string): string {
  return `SELECT snapshot_lsn::text AS lsn, closing, mark_partition FROM ${q(schema, SNAPSHOTS_TABLE)} WHERE ${TOPIC}`;
}

/** $1-$4 the topic. */
export function clearSnapshotSql(schema: string): string {
  return `DELETE FROM ${q(schema, SNAPSHOTS_TABLE)} WHERE ${TOPIC}`;
}

/** $1-$4 the topic, $5 lsn, $6 closing, $7 mark partition, $8 batch id. */
export function keepSnapshotSql(schema: string): string {
  return `INSERT INTO ${q(schema, SNAPSHOTS_TABLE)} (pipeline, region, cell, topic, snapshot_lsn, closing, mark_partition, batch_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;
}

/**
 * The truncate's version: its own, raised to its partition's epoch in the ledger.
 * $1-$4 the topic, $5 partition, $6 the version the batch gave it.
 */
export function truncateVersionSql(schema: string): string {
  return `SELECT greatest($6::numeric, coalesce((SELECT epoch_lsn FROM ${q(schema, EPOCHS_TABLE)} WHERE ${TOPIC} AND kafka_partition = $5), 0))::text AS version`;
}

/**
 * Removes (or marks deleted) the source's rows whose version is `cmp` the bound: a truncate takes
 * those up to its version (<=), a closed snapshot those older than its point (<) it did not write.
 * $1 source, $2 bound; soft deletes also $3 batch id.
 */
export function deleteByVersionSql(spec: CdcMergeSpec, cmp: '<' | '<='): string {
  if (spec.deletes === 'hard') return `DELETE FROM ${target(spec)} WHERE _source = $1 AND _lsn ${cmp} $2::numeric`;
  return `UPDATE ${target(spec)} SET _deleted = true, _deleted_at = now(), _lsn = $2::numeric, _batch_id = $3, _loaded_at = now()
    WHERE _source = $1 AND _lsn ${cmp} $2::numeric AND NOT _deleted`;
}
