// What each Debezium connector setting gives a type-matrix column in a cdc target
// (type-matrix-cdc.test.ts): the connectors the matrix runs through, together covering every
// decimal.handling.mode and time.precision.mode (and interval.handling.mode) with and without JSON schemas, and per column the
// exact output form the target holds, worked out from the source's. Pure.
import type { ConnectorSettings } from '../fixtures/debezium/connect.js';
import { toMillis } from '../fixtures/debezium/load.js';

export interface Variant extends ConnectorSettings {
  /** Names the variant's connector, slot, publication, topic and pipeline. */
  tag: string;
}

export const VARIANTS: Variant[] = [
  { tag: 'sp', schemas: true, decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive_time_microseconds' },
  { tag: 'sc', schemas: true, decimalHandlingMode: 'string', timePrecisionMode: 'connect', intervalHandlingMode: 'string' },
  { tag: 'sd', schemas: true, decimalHandlingMode: 'double', timePrecisionMode: 'adaptive' },
  { tag: 'pp', schemas: false, decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive_time_microseconds' },
  { tag: 'pc', schemas: false, decimalHandlingMode: 'string', timePrecisionMode: 'connect', intervalHandlingMode: 'string' },
  { tag: 'pd', schemas: false, decimalHandlingMode: 'double', timePrecisionMode: 'adaptive' },
];

const DECIMALS = ['c_num', 'c_num12', 'c_num50'];
const TIMES = ['c_time0', 'c_time', 'c_ts0', 'c_ts3', 'c_ts'];
/** The columns whose decoding reads the declared settings without schemas: what schemaless connectors capture. */
export const SETTING_COLUMNS = [...DECIMALS, 'c_money', 'c_date', ...TIMES, 'c_tstz', 'c_tstz0'];
/** Columns whose schemaless values are their text forms as they are (JSON scalars or strings). */
const AS_SENT = ['c_int2', 'c_int4', 'c_int8', 'c_real', 'c_float8', 'c_text', 'c_varchar', 'c_char', 'c_name', 'c_bytea', 'c_bool', 'c_uuid', 'c_json', 'c_jsonb', 'c_xml', 'c_inet', 'c_cidr', 'c_macaddr', 'c_macaddr8', 'c_tsvector', 'c_oid', 'c_int4range', 'c_numrange', 'c_tstzrange', 'c_daterange', 'c_citext', 'c_ltree'];
/** What schemaless connectors capture: those, those sent as they are, and the types read from the form a schema would name (PostGIS values, points, bits, hstore). */
export const SCHEMALESS_COLUMNS = [...SETTING_COLUMNS, ...AS_SENT, 'c_point', 'c_geometry', 'c_geom_any', 'c_geography', 'c_bit', 'c_hstore'];
/** What a schemaless connector of a variant captures: those, and an interval under interval.handling.mode string (ISO 8601, which keeps its parts). */
export const schemalessColumns = (v: Variant): string[] => (v.intervalHandlingMode === 'string' ? [...SCHEMALESS_COLUMNS, 'c_interval'] : SCHEMALESS_COLUMNS);

/** Per column, the source's output form and the float8 it rounds to (numeric and money's amount), by row. */
export interface SourceForms {
  output: (string | null)[];
  float8?: (string | null)[];
  /** money's amount as numeric. */
  amount?: (string | null)[];
}

const SPECIAL = new Set(['NaN', 'Infinity', '-Infinity']);
/** Debezium's names for them under decimal.handling.mode string, a text column's values with schemas. */
const STRING_NAMES: Record<string, string> = { NaN: 'NAN', Infinity: 'POSITIVE_INFINITY', '-Infinity': 'NEGATIVE_INFINITY' };

/**
 * The output form a column of the target holds under a variant, by row, or undefined for a column
 * whose value the setting does not change (compared with the source's as it is).
 */
export function settled(v: Variant, column: string, s: SourceForms): (string | null)[] | undefined {
  if (DECIMALS.includes(column)) {
    if (v.decimalHandlingMode === 'double') return s.float8!;
    if (v.decimalHandlingMode === 'precise') return s.output.map((x) => (x !== null && SPECIAL.has(x) ? null : x));
    // string: the digits as text; a schemaless numeric column reads Debezium's names back.
    return v.schemas ? s.output.map((x) => (x === null ? null : (STRING_NAMES[x] ?? x))) : undefined;
  }
  if (column === 'c_money') {
    if (v.decimalHandlingMode === 'double') return s.float8!;
    // With schemas a Decimal or a string of the amount; without, the declared money column reads it.
    return v.schemas ? s.amount! : undefined;
  }
  if (TIMES.includes(column) && v.timePrecisionMode === 'connect') return s.output.map((x) => (x === null ? null : toMillis(x)));
  return undefined;
}
