// The CDC skip list on the PostgreSQL warehouse: offsets an operator asked to pass over
// (`tributary cdc skip`), per pipeline, region, cell, topic and partition. The extract reads it
// and stages those events as dead letters ("skipped by operator"); the merge that commits their
// dead letters moves the partition's offset past them, so each skip applies once. A skip stays
// as the record of what was asked.
import pg from 'pg';
import type { OffsetsKey } from '../../specs/merge-specs.js';
import { stateOnce } from './state-once.js';

const { escapeIdentifier: ident } = pg;

export const CDC_SKIPS_TABLE = 'tributary_cdc_skips';

const table = (schema: string) => `${ident(schema)}.${ident(CDC_SKIPS_TABLE)}`;

export function cdcSkipsTableSql(schema: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`,
    `CREATE TABLE IF NOT EXISTS ${table(schema)} (
       pipeline text NOT NULL, region text NOT NULL, cell text NOT NULL, topic text NOT NULL,
       kafka_partition integer NOT NULL, kafka_offset bigint NOT NULL, requested_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (pipeline, region, cell, topic, kafka_partition, kafka_offset))`,
  ];
}

const ensureSkips = stateOnce(cdcSkipsTableSql);

/** $1 pipeline, $2 region, $3 cell, $4 topic. */
export function readSkipsSql(schema: string): string {
  return `SELECT kafka_partition, kafka_offset FROM ${table(schema)} WHERE pipeline = $1 AND region = $2 AND cell = $3 AND topic = $4`;
}

/** Idempotent. $1 pipeline, $2 region, $3 cell, $4 topic, $5 partition, $6 offset. */
export function insertSkipSql(schema: string): string {
  return `INSERT INTO ${table(schema)} (pipeline, region, cell, topic, kafka_partition, kafka_offset) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`;
}

export async function readCdcSkips(client: pg.Client, schema: string, key: OffsetsKey): Promise<{ partition: number; offset: number }[]> {
  await ensureSkips(client, schema);
  const res = await client.query<{ kafka_partition: number; kafka_offset: string }>(readSkipsSql(schema), [key.pipeline, key.region, key.cell, key.topic]);
  return res.rows.map((r) => ({ partition: r.kafka_partition, offset: Number(r.kafka_offset) }));
}

export async function addCdcSkip(client: pg.Client, schema: string, key: OffsetsKey, partition: number, offset: number): Promise<void> {
  await ensureSkips(client, schema);
  await client.query(insertSkipSql(schema), [key.pipeline, key.region, key.cell, key.topic, partition, offset]);
}
