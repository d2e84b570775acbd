// The warehouse columns of a CDC target: the row's columns typed from the Debezium message
// schema (or from the configured source types for schemaless messages), and the columns the
// staged batch and the target carry besides them. Pure.
import type { ColumnSpec } from '../../specs/columns.js';
import type { DebeziumSettings, FieldType } from './decode.js';
import { holds, widened } from '../../../types/widening.js';
import { parsePgType } from '../../../types/parse.js';
import { typeRow } from '../../../types/type-map.js';
import { declaredColumn } from '../../../types/type-name.js';
import { badInput } from '../../errors.js';

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
  // interval.handling.mode string: ISO 8601, read back into the interval it was.
  'io.debezium.time.Interval': 'interval',
  'io.debezium.data.Json': 'jsonb',
  'io.debezium.data.Uuid': 'uuid',
  // PostGIS values as their hex EWKB text, as the PostgreSQL warehouse keeps them (docs/types.md).
  'io.debezium.data.geometry.Geometry': 'text',
  'io.debezium.data.geometry.Geography': 'text',
  'io.debezium.data.geometry.Point': 'point',
};

const BY_TYPE: Record<string, string> = {
  int8: 'smallint',
  int16: 'smallint',
  int32: 'integer',
  int64: 'bigint',
  float32: 'real',
  float64: 'double precision',
  // The JSON converter's names of the two float types.
  float: 'real',
  double: 'double precision',
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
 * The warehouse column of a `columnTypes` entry (schemaless messages) as the connector sends its
 * values. Under decimal.handling.mode double a numeric or money value is a float64: typed double
 * precision, as the message schema would type it (a money column could not hold every float).
 */
export function declaredCdcColumn(name: string, type: string, decimalHandlingMode: DebeziumSettings['decimalHandlingMode']): ColumnSpec {
  const t = parsePgType(type);
  const title = t && t.dims === 0 ? typeRow(t.base)?.title : undefined;
  if (decimalHandlingMode === 'double' && (title === 'numeric(p,s)' || title === 'money')) return { name, type: 'double precision' };
  return declaredColumn(name, type);
}

/**
 * The batch's columns in the newest schema's order, followed by columns only older events had
 * (a column dropped at the source keeps its warehouse column). A column retyped within the batch
 * is staged as a type that holds both, so older events' values are not rounded or converted into
 * the newer one; when no type does, the batch is refused (`where` names it).
 */
export function batchColumns(schemas: readonly (readonly FieldType[])[], where = 'this batch'): ColumnSpec[] {
  const out = new Map<string, ColumnSpec>();
  for (let i = schemas.length - 1; i >= 0; i--) {
    for (const f of schemas[i]!) {
      const type = warehouseType(f);
      const newer = out.get(f.name);
      if (!newer) out.set(f.name, { name: f.name, type });
      else if (!holds(newer.type, type)) {
        const both = widened(type, newer.type) ?? widened(newer.type, type);
        if (both === null) throw badInput(`${where}: column ${f.name} is ${type} in earlier events of the batch and ${newer.type} in later ones, and no type holds both; change the target column by hand`);
        newer.type = both;
      }
    }
  }
  return [...out.values()];
}
