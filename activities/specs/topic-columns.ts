// The columns a topic batch carries besides its mapped ones, shared by the Kafka extract that
// stages them and the warehouse dialects that merge them.
import type { ColumnSpec } from './columns.js';

/** Where each message came from, staged with every row. */
export const KAFKA_COLUMNS: ColumnSpec[] = [
  { name: 'kafka_partition', type: 'integer' },
  { name: 'kafka_offset', type: 'bigint' },
  { name: 'kafka_timestamp', type: 'timestamp with time zone' },
];


/** The cell the message came from; with _source and _region it is set at merge time. */
export const CELL_COLUMN: ColumnSpec = { name: '_cell', type: 'text' };


/** Columns of the staged dead-letters file, in file order. */
export const DEAD_LETTER_COLUMNS: ColumnSpec[] = [
  ...KAFKA_COLUMNS,
  { name: 'message_key', type: 'bytea' },
  { name: 'message_value', type: 'bytea' },
  { name: 'reason', type: 'text' },
  { name: 'field', type: 'text' },
  { name: 'detail', type: 'text' },
];
