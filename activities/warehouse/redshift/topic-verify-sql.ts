// Topic verify's reads of a Redshift warehouse: the offsets of one partition range that the
// target's rows of one cluster hold, and those the pipeline dead-lettered (a retention gap is
// not a dead letter of a message). Named Data API parameters; the ranges are checked integers.
import { qualified } from './identifiers.js';
import { DEAD_LETTERS_TABLE } from './offsets-sql.js';

export interface OffsetRangeParams {
  source: string;
  partition: number;
  from: number;
  to: number;
}

const range = (r: OffsetRangeParams) => ({ source: r.source, partition: String(r.partition), from: String(r.from), to: String(r.to) });
const IN_RANGE = 'kafka_partition = CAST(:partition AS INTEGER) AND kafka_offset >= CAST(:from AS BIGINT) AND kafka_offset < CAST(:to AS BIGINT)';

export function redshiftTargetOffsetsSql(t: { schema: string; table: string }, r: OffsetRangeParams): { sql: string; params: Record<string, string> } {
  return { sql: `SELECT kafka_offset AS o FROM ${qualified(t.schema, t.table)} WHERE _source = :source AND ${IN_RANGE}`, params: range(r) };
}

export function redshiftDeadLetterOffsetsSql(stateSchema: string, pipeline: string, topic: string, r: OffsetRangeParams): { sql: string; params: Record<string, string> } {
  return {
    sql: `SELECT kafka_offset AS o FROM ${qualified(stateSchema, DEAD_LETTERS_TABLE)}
  WHERE pipeline = :pipeline AND topic = :topic AND source = :source AND ${IN_RANGE} AND reason <> 'retention-gap'`,
    params: { ...range(r), pipeline, topic },
  };
}
