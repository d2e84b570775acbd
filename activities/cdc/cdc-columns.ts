// The warehouse columns of a CDC target: the row's columns typed from the Debezium message
// schema (or from the configured source types for schemaless messages), and the columns the
// staged batch and the target carry besides them. Pure.
import type { ColumnSpec } from '../postgres/columns.js';
import type { FieldType } from './decode.js';

/**
 * Staged after the row's columns: what to do, the version, the commit time, where missing TOAST
 * values live, and for a streamed change the partition whose snapshot epoch in the ledger bounds
 * its version from below (null for a snapshot read: its version is the snapshot's point).
 * Batches staged before _partition existed lack it (see stagedMeta).
 */
export const CDC_STAGED_META: ColumnSpec[] = [
  { name: '_op', type: 'text' },
  { name: '_lsn', type: 'numeric(20)' },
  { name: '_source_ts', type: 'timestamp with time zone' },
  { name: '_missing', type: 'jsonb' },
  { name: '_partition', type: 'integer' },
];

/** The meta columns a staged batch's files hold, in file order (older batches lack the later ones). */
export function stagedMeta(stagedColumns: readonly ColumnSpec[] | undefined): ColumnSpec[] {
  const names = new Set((stagedColumns ?? []).map((c) => c.name));
  const present = CDC_STAGED_META.filter((c) => names.has(c.name));
  return present.length > 0 ? present : CDC_STAGED_META;
}

/** On the target besides the row's columns and lineage: the LSN version guard and the commit time. */
export const CDC_TARGET_META: ColumnSpec[] = [
  { name: '_lsn', type: 'numeric(20) NOT NULL' },
  { name: '_source_ts', type: 'timestamp with time zone' },
];

export const CDC_RESERVED = new Set(['_op', '_lsn', '_source_ts', '_missing', '_partition', '_deleted', '_deleted_at', '_source', '_region', '_batch_id', '_extracted_at', '_loaded_at']);

const BY_SEMANTIC: Record<string, string> = {
  'org.apache.kafka.connect.data.Decimal': 'numeric',
  'io.debezium.data.VariableScaleDecimal': 'numeric',
  'io.debezium.time.Date': 'date',
  'org.apache.kafka.connect.data.Date': 'date',
  'io.debezium.time.Time': 'time without time zone',
  'org.apache.kafka.connect.data.Time': 'time without time zone',
  'io.debezium.time.MicroTime': 'time without time zone',
  'io.debezium.time.NanoTime': 'time without time zone',
  'io.debezium.time.Timestamp': 'timestamp without time zone',
  'org.apache.kafka.connect.data.Timestamp': 'timestamp without time zone',
  'io.debezium.time.MicroTimestamp': 'timestamp without time zone',
  'io.debezium.time.NanoTimestamp': 'timestamp without time zone',
  'io.debezium.time.ZonedTimestamp': 'timestamp with time zone',
  'io.debezium.time.ZonedTime': 'time with time zone',
  'io.debezium.data.Json': 'jsonb',
  'io.debezium.data.Uuid': 'uuid',
};

const BY_TYPE: Record<string, string> = {
  int8: 'smallint',
  int16: 'smallint',
  int32: 'integer',
  int64: 'bigint',
  float32: 'real',
  float64: 'double precision',
  boolean: 'boolean',
  string: 'text',
  bytes: 'bytea',
  array: 'jsonb',
  map: 'jsonb',
  struct: 'jsonb',
};

/** The warehouse type of a column the message schema declares. */
export function warehouseType(f: FieldType): string {
  const semantic = f.semantic === null ? undefined : BY_SEMANTIC[f.semantic];
  if (semantic === 'numeric' && f.parameters.scale !== undefined && f.semantic === 'org.apache.kafka.connect.data.Decimal') {
    const precision = f.parameters['connect.decimal.precision'];
    const scale = f.parameters.scale;
    // Schema parameters go into DDL: digits only.
    return precision && /^\d{1,4}$/.test(precision) && /^\d{1,4}$/.test(scale) ? `numeric(${precision},${scale})` : 'numeric';
  }
  return semantic ?? BY_TYPE[f.type] ?? 'text';
}

/**
 * The batch's columns in the newest schema's order, followed by columns only older events had
 * (a column dropped at the source keeps its warehouse column).
 */
export function batchColumns(schemas: readonly (readonly FieldType[])[]): ColumnSpec[] {
  const out = new Map<string, ColumnSpec>();
  for (let i = schemas.length - 1; i >= 0; i--) {
    for (const f of schemas[i]!) if (!out.has(f.name)) out.set(f.name, { name: f.name, type: warehouseType(f) });
  }
  return [...out.values()];
}
