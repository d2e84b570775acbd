// Pure SQL for the dead-letter table of the PostgreSQL warehouse, which topic and CDC merges
// share: its DDL, the temp table a staged dead-letters file is COPYed into, and the insert that
// moves those rows into the table with their pipeline, region, source, cell, topic and batch.
import pg from 'pg';
import { DEAD_LETTER_COLUMNS } from '../../specs/topic-columns.js';

const { escapeIdentifier: ident } = pg;

export const DEAD_LETTERS_TABLE = 'tributary_dead_letters';
/** The temp table of a merge's staged dead letters (dropped at commit). */
export const DEAD_STAGE = 'tributary_topic_dead';

const q = (schema: string, table: string) => `${ident(schema)}.${ident(table)}`;
const names = DEAD_LETTER_COLUMNS.map((c) => ident(c.name)).join(', ');

export function deadLettersTableSql(schema: string): string {
  return `CREATE TABLE IF NOT EXISTS ${q(schema, DEAD_LETTERS_TABLE)} (
       pipeline text NOT NULL, region text NOT NULL, source text NOT NULL, cell text NOT NULL, topic text NOT NULL,
       kafka_partition integer NOT NULL, kafka_offset bigint NOT NULL, kafka_timestamp timestamptz,
       message_key bytea, message_value bytea, reason text NOT NULL, field text, detail text NOT NULL,
       batch_id text NOT NULL, dead_lettered_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (pipeline, source, topic, kafka_partition, kafka_offset))`;
}

export function createDeadStageSql(): string {
  return `CREATE TEMP TABLE ${ident(DEAD_STAGE)} (${DEAD_LETTER_COLUMNS.map((c) => `${ident(c.name)} ${c.type}`).join(', ')}) ON COMMIT DROP`;
}

export function copyDeadLettersSql(): string {
  return `COPY ${ident(DEAD_STAGE)} (${names}) FROM STDIN WITH (FORMAT csv)`;
}

/** $1 pipeline, $2 region, $3 source, $4 cell, $5 topic, $6 batch. */
export function insertDeadLettersSql(schema: string): string {
  return `INSERT INTO ${q(schema, DEAD_LETTERS_TABLE)} (pipeline, region, source, cell, topic, ${names}, batch_id)
    SELECT $1, $2, $3, $4, $5, ${names}, $6 FROM ${ident(DEAD_STAGE)}`;
}
