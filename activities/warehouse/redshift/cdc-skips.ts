// The CDC skip list on Redshift (what activities/warehouse/postgres/cdc-skips.ts is on PostgreSQL):
// offsets an operator asked to pass over, read by the extract, kept as the record of what was
// asked. No ON CONFLICT on Redshift: a skip already there is not inserted again.
import type { OffsetsKey } from '../../specs/merge-specs.js';
import { qualified } from './identifiers.js';
import type { RedshiftSession } from './session.js';
import { stateSchemaSqls, TOPIC_KEY_DEFS } from './state-schema.js';

export const CDC_SKIPS_TABLE = 'tributary_cdc_skips';

export function cdcSkipsTableSql(schema: string): string[] {
  return stateSchemaSqls(schema, (q) => [
    `CREATE TABLE IF NOT EXISTS ${q(CDC_SKIPS_TABLE)} (
       ${TOPIC_KEY_DEFS}, kafka_partition INTEGER NOT NULL, kafka_offset BIGINT NOT NULL, requested_at TIMESTAMPTZ NOT NULL,
       PRIMARY KEY (pipeline, region, cell, topic, kafka_partition, kafka_offset))`,
  ]);
}

const where = 'pipeline = :pipeline AND region = :region AND cell = :cell AND topic = :topic';

/** :pipeline, :region, :cell, :topic. */
export function readSkipsSql(schema: string): string {
  return `SELECT kafka_partition, kafka_offset FROM ${qualified(schema, CDC_SKIPS_TABLE)} WHERE ${where}`;
}

/** :pipeline, :region, :cell, :topic, :partition, :offset, :requested_at. */
export function insertSkipSql(schema: string): string {
  const t = qualified(schema, CDC_SKIPS_TABLE);
  return `INSERT INTO ${t} (pipeline, region, cell, topic, kafka_partition, kafka_offset, requested_at)
    SELECT :pipeline, :region, :cell, :topic, CAST(:partition AS INTEGER), CAST(:offset AS BIGINT), CAST(:requested_at AS TIMESTAMPTZ)
    WHERE NOT EXISTS (SELECT 1 FROM ${t} WHERE ${where} AND kafka_partition = CAST(:partition AS INTEGER) AND kafka_offset = CAST(:offset AS BIGINT))`;
}

export async function readRedshiftCdcSkips(w: RedshiftSession, key: OffsetsKey): Promise<{ partition: number; offset: number }[]> {
  await w.ensureKindState('cdc-skips', cdcSkipsTableSql(w.cfg.schema));
  const rows = await w.api.query(readSkipsSql(w.cfg.schema), { ...key }, 'read the CDC skip list');
  return rows.map((r) => ({ partition: Number(r.kafka_partition), offset: Number(r.kafka_offset) }));
}

export async function addRedshiftCdcSkip(w: RedshiftSession, key: OffsetsKey, partition: number, offset: number): Promise<void> {
  await w.ensureKindState('cdc-skips', cdcSkipsTableSql(w.cfg.schema));
  await w.api.execute(insertSkipSql(w.cfg.schema), { ...key, partition: String(partition), offset: String(offset), requested_at: new Date().toISOString() }, 'record a CDC skip');
}
