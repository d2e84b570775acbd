// Which `columnTypes` a CDC pipeline without JSON schemas can read exactly. Without a schema a
// Debezium value is only what its JSON holds; for these types that is not enough to give back the
// source's value, so the type is refused when the config is read instead of loading a wrong one. Pure.
import { parsePgType } from './parse.js';

const WHY: Readonly<Record<string, string>> = {
  // A bare number of microseconds would load as that many seconds.
  interval: 'under interval.handling.mode numeric Debezium sends it as MicroDuration (microseconds, a month counted as 30.4375 days), which does not keep its months, days and time apart; set the connector\'s interval.handling.mode and the pipeline\'s options.intervalHandlingMode to string',
  'bit varying': 'Debezium sends it as little-endian bytes without the bit length',
  varbit: 'Debezium sends it as little-endian bytes without the bit length',
  timetz: 'Debezium sends it as ZonedTime in UTC, without its offset',
};

/** What schemaless messages lack to give back a value of `type` (under the connector's interval.handling.mode), or undefined when they carry it. */
export function schemalessGap(type: string, intervalHandlingMode: 'numeric' | 'string' = 'numeric'): string | undefined {
  const t = parsePgType(type);
  if (!t) return undefined;
  if (t.dims > 0) return 'Debezium sends an array as a JSON array, without its lower bounds or element forms';
  if (t.base === 'interval' && intervalHandlingMode === 'string') return undefined;
  return t.base === 'time' && t.zone === 'with' ? WHY.timetz : WHY[t.base];
}

/** Why a checked `columnTypes` entry cannot be read from schemaless messages, or undefined when it can. */
export function schemalessTypeProblem(type: string, intervalHandlingMode: 'numeric' | 'string' = 'numeric'): string | undefined {
  const why = schemalessGap(type, intervalHandlingMode);
  return why && `type ${type} cannot be read without JSON schemas: ${why}; use JSON schemas (the connector's value.converter.schemas.enable=true), or leave the column out of the connector's events (column.exclude.list) and of columnTypes`;
}
