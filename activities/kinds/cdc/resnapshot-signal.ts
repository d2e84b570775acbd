// Debezium's signal for an incremental snapshot of one captured table, optionally of some keys
// only (its `additional-conditions` filter, a WHERE clause Debezium adds to each chunk's query).
// The signal table is the shared convention: tributary.debezium_signal (id varchar(42), type
// varchar(32), data varchar(2048)), named in the connector's signal.data.collection. Pure.
import pg from 'pg';
import type { KeyNaming } from '../../reconcile/bucket-sql.js';
import type { ResnapshotInput } from '../../types.js';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

export const SIGNAL_SCHEMA = 'tributary';
export const SIGNAL_TABLE = 'debezium_signal';
/** The signal table's data column is varchar(2048): a longer signal cannot be written. */
export const MAX_SIGNAL_DATA = 2048;

/** The insert of one signal; ON CONFLICT makes a retried activity a no-op (the id is the workflow's). */
export const INSERT_SIGNAL_SQL = `INSERT INTO ${ident(SIGNAL_SCHEMA)}.${ident(SIGNAL_TABLE)} (id, type, data) VALUES ($1, 'execute-snapshot', $2) ON CONFLICT (id) DO NOTHING`;

/** The server's WAL position now, as a decimal LSN. */
export const CURRENT_LSN_SQL = `SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::text AS lsn`;

/** Key column types whose order is the same at the source, in the chunk query and in any warehouse. */
const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint']);

/** Whether chunk windows of this key may bound deletes by a key range (format_type names of the key's columns). */
export function rangeSoundKey(types: readonly (string | undefined)[]): boolean {
  return types.length > 0 && types.every((t) => t !== undefined && INTEGER_TYPES.has(t));
}

/** A chunk's last key as Debezium prints it (its values joined by ","), or null unless it is integers of the key's width. */
export function chunkKeyBound(printed: string, width: number): string[] | null {
  const values = printed.split(',');
  return values.length === width && values.every((v) => /^-?\d{1,19}$/.test(v)) ? values : null;
}

/** A signal id of at most 42 characters (the column's width): "tributary-" and 32 hex digits. */
export function signalIdOf(uuid: string): string {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`expected a UUID, got "${uuid}"`);
  return `tributary-${hex.toLowerCase()}`;
}

/**
 * The WHERE condition that picks the input's keys, or null for the whole table. Key texts and
 * buckets are named as the warehouse's verify named them (`naming`, at the source).
 */
export function resnapshotFilter(key: readonly string[], input: ResnapshotInput, label: string, naming?: KeyNaming): string | null {
  const cols = key.map(ident);
  if (input.keys) {
    if (input.keys.length === 0) throw new Error(`${label}: no keys given`);
    for (const k of input.keys) {
      if (k.length !== key.length) throw new Error(`${label}: key "${k.join(':')}" has ${k.length} values; the key is ${key.join(', ')} (${key.length})`);
    }
    const tuples = input.keys.map((k) => (k.length === 1 ? literal(k[0]!) : `(${k.map(literal).join(', ')})`));
    return `${cols.length === 1 ? cols[0] : `(${cols.join(', ')})`} IN (${tuples.join(', ')})`;
  }
  if ((input.keyTexts || input.buckets) && !naming) throw new Error(`${label}: keys by text or bucket need the warehouse's naming of keys`);
  if (input.keyTexts) {
    if (input.keyTexts.length === 0) throw new Error(`${label}: no keys given`);
    return `${naming!.text} IN (${input.keyTexts.map(literal).join(', ')})`;
  }
  if (input.buckets) {
    const { count, only } = input.buckets;
    if (only.length === 0 || only.some((b) => !Number.isInteger(b) || b < 0 || b >= count)) throw new Error(`${label}: buckets must be in 0..${count - 1}`);
    return `${naming!.bucket(count)} IN (${only.join(', ')})`;
  }
  return null;
}

/** The signal's data: an incremental snapshot of `collection` ("schema.table"), filtered or whole. */
export function snapshotSignalData(collection: string, filter: string | null): string {
  return JSON.stringify({
    'data-collections': [collection],
    type: 'incremental',
    ...(filter ? { 'additional-conditions': [{ 'data-collection': collection, filter }] } : {}),
  });
}

/** Whether a signal's data fits the signal table. */
export function fitsSignal(data: string): boolean {
  return data.length <= MAX_SIGNAL_DATA;
}

/**
 * The connector's topic.prefix, from the pipeline's topic (<prefix>.<schema>.<table>) and the
 * table it captures; null when the topic is not named that way.
 */
export function topicPrefix(topic: string, schema: string, table: string): string | null {
  const tail = `.${schema}.${table}`;
  return topic.endsWith(tail) && topic.length > tail.length ? topic.slice(0, -tail.length) : null;
}

/** The notification topic a connector set up by the convention writes to. */
export function defaultNotificationTopic(prefix: string): string {
  return `${prefix}.debezium.notifications`;
}
