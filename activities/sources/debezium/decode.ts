// One Kafka record of a Debezium PostgreSQL topic (JSON converter, with or without embedded
// schemas) decoded into a typed change whose column values are the warehouse's text forms.
// Pure: bytes in, values out. What each column is comes from the message's schema when it has
// one, else from the source column types the caller knows plus the connector's documented
// settings (decimal.handling.mode, time.precision.mode): a schemaless message alone cannot tell
// a date from an integer.
import { ByteArena } from './byte-arena.js';
import { SchemaCache, splitEnvelope, type EnvelopeParts } from './envelope.js';
import { isMarkedInteger, jsonInteger, parseJson, stringifyJson } from './json.js';
import { scanPayload, scanPayloadSpans, standardLayout, type PayloadLayout, type PayloadParts } from './payload-scan.js';
import { sequenceCommitLsn, sequenceLsn } from './sequence-lsn.js';
import { isSnapshot, snapshotMark, type SnapshotMark } from './snapshot-mark.js';
import {
  byteaText,
  dateText,
  decimalText,
  hstoreText,
  intervalText,
  timeText,
  timestampText,
  unscaledFromBase64,
  zonedTimeText,
  zonedTimestampText,
} from './text-forms.js';
import type { Row } from '../../specs/row.js';
import { parsePgType } from '../../../types/parse.js';


/** A record as a Kafka client hands it over. */
export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: string | bigint;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Readonly<Record<string, Buffer | string | null | undefined | (Buffer | string)[]>>;
}

/** The connector settings that change how values are written (only read for schemaless messages). */
export interface DebeziumSettings {
  decimalHandlingMode: 'precise' | 'string' | 'double';
  timePrecisionMode: 'adaptive' | 'adaptive_time_microseconds' | 'connect';
  /** numeric (Debezium's default, MicroDuration) or string (ISO 8601, which keeps months, days and time apart). */
  intervalHandlingMode?: 'numeric' | 'string';
}

export interface DecodeOptions {
  /** Defaults to Debezium's own defaults: precise, adaptive. */
  settings?: DebeziumSettings;
  /** Source column types by column name, as format_type() prints them; required without schemas. */
  columns?: Readonly<Record<string, string>>;
  /** unavailable.value.placeholder of the connector; Debezium's default if absent. */
  unavailableValue?: string;
}

/** A column as the message schema declares it (for schema evolution downstream). */
export interface FieldType {
  name: string;
  type: string;
  semantic: string | null;
  optional: boolean;
  parameters: Readonly<Record<string, string>>;
}

interface Position {
  topic: string;
  partition: number;
  offset: bigint;
}

export interface ChangeEvent extends Position {
  kind: 'change';
  op: 'c' | 'r' | 'u' | 'd';
  key: Row;
  /** The old key of a primary-key change (on the create that follows the delete of the old key). */
  oldKey: Row | null;
  /** Complete only under REPLICA IDENTITY FULL; under DEFAULT only key columns are meaningful. */
  before: Row | null;
  /** null for deletes. Never holds the unavailable-value placeholder: those columns are left out. */
  after: Row | null;
  /** Columns of `after` whose value the source did not send (unchanged TOASTed values). */
  unavailable: ReadonlySet<string>;
  lsn: bigint;
  /** source.sequence's lastCommitLsn: grows along the stream (sequence-lsn.ts); absent when null. */
  commitLsn?: bigint | undefined;
  txId: bigint | null;
  sourceTsMs: number;
  snapshot: boolean;
  /** The first or last row of a table's blocking snapshot (see snapshot-mark.ts); absent: neither. */
  snapshotMark?: SnapshotMark;
  source: { schema: string; table: string };
  /** The row's columns from the embedded schema; null for schemaless messages. */
  fields: FieldType[] | null;
}

export interface Tombstone extends Position {
  kind: 'tombstone';
  key: Row;
}

/** Truncate (t) and logical-decoding message (m) events: not row changes. */
export interface OtherEvent extends Position {
  kind: 'other';
  op: string;
  /** source.lsn, source.ts_ms and the table, when the event has them (a truncate does). */
  lsn: bigint | null;
  commitLsn?: bigint | undefined;
  sourceTsMs: number;
  source?: { schema: string; table: string };
}

export type DecodedRecord = ChangeEvent | Tombstone | OtherEvent;

/**
 * A change event read only as far as ordering and collapsing need: everything of a ChangeEvent
 * but its rows, the after row kept as bytes (most events of a batch are superseded by a later
 * one of their key and their rows are never read). `rows` of the ChangeReader parses it.
 */
export interface ScannedChange extends Omit<ChangeEvent, 'kind' | 'oldKey' | 'before' | 'after' | 'unavailable'> {
  kind: 'scanned';
  /** Creates after a primary-key change are decoded whole: cutting partitions reads their rows. */
  oldKey: null;
  /** The after row's JSON text is afterBytes[afterStart, afterEnd) (a copy); null for deletes. */
  afterBytes: Buffer | null;
  afterStart: number;
  afterEnd: number;
  /** How the row's columns are read (from the message schema). */
  reader: RowReader;
  /**
   * True when the after row's bytes cannot hold the unavailable-value placeholder (neither it nor
   * its base64 form nor any JSON escape occurs in them): collapsing then needs no earlier event.
   */
  noUnavailable: boolean;
}

/** What collapsing reads of a change event's row. */
export interface ChangeRows {
  /** null for deletes; never holds the unavailable-value placeholder. */
  after: Row | null;
  unavailable: ReadonlySet<string>;
}

/** Decoding for many records with the same options (one batch): what depends on the options only is done once. */
export interface ChangeReader {
  /** The record decoded whole. */
  decode: (record: KafkaRecord) => DecodedRecord;
  /**
   * A change event as ScannedChange, or null when the record must be decoded whole: no embedded
   * schema, an unexpected payload shape, a key change's create, anything decode would turn into
   * an error or a tombstone or other event. What scan does not read (the before row, values of
   * the after row never parsed) is not checked.
   */
  scan: (record: KafkaRecord) => ScannedChange | null;
  /** The after row of a change, parsed now for a scanned one. */
  rows: (e: ChangeEvent | ScannedChange) => ChangeRows;
}

export class DebeziumDecodeError extends Error {
  /** A copy: a reader reuses its position object from record to record. */
  readonly position: Position;
  constructor(
    position: Position,
    readonly column: string | null,
    readonly reason: string,
  ) {
    super(`${position.topic}[${position.partition}]@${position.offset}${column === null ? '' : ` column "${column}"`}: ${reason}`);
    this.name = 'DebeziumDecodeError';
    this.position = { topic: position.topic, partition: position.partition, offset: position.offset };
  }
}

const DEFAULT_SETTINGS: DebeziumSettings = { decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive' };
const DEFAULT_UNAVAILABLE = '__debezium_unavailable_value';

type Json = unknown;
type ValueDecoder = (v: Json) => string | null;

interface ConnectSchema {
  type: string;
  name?: string;
  optional?: boolean;
  field?: string;
  parameters?: Record<string, string>;
  fields?: ConnectSchema[];
}

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Any JSON scalar as text; objects and arrays as JSON text. */
function plainText(v: Json): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return isMarkedInteger(v) ? jsonInteger(v)!.toString() : v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  return stringifyJson(v);
}

function integer(v: Json): bigint {
  const n = jsonInteger(v);
  if (n === undefined) throw new TypeError(`expected an integer, got ${typeof v}`);
  return n;
}

function str(v: Json): string {
  if (typeof v !== 'string') throw new TypeError(`expected a string, got ${typeof v}`);
  return v;
}

function field(v: Json, name: string): Json {
  if (!isObject(v) || v[name] === undefined || v[name] === null) throw new TypeError(`expected a struct with "${name}"`);
  return v[name];
}

const SPECIAL_DECIMALS: Readonly<Record<string, string>> = { NAN: 'NaN', POSITIVE_INFINITY: 'Infinity', NEGATIVE_INFINITY: '-Infinity' };

// Each decoder receives a non-null value (nulls are handled once, by the caller).
const DECODERS = {
  plain: plainText,
  decimal: (scale: number): ValueDecoder => (v) => decimalText(unscaledFromBase64(str(v)), scale),
  // decimal.handling.mode string writes NaN and ±Infinity by Debezium's names for them.
  decimalString: (v: Json) => {
    const t = str(v);
    return SPECIAL_DECIMALS[t] ?? t;
  },
  variableDecimal: (v: Json) => {
    if (!isObject(v)) throw new TypeError('expected a VariableScaleDecimal {scale, value}');
    return decimalText(unscaledFromBase64(str(v.value)), Number(integer(v.scale)));
  },
  date: (v: Json) => dateText(Number(integer(v))),
  timeMillis: (v: Json) => timeText(integer(v) * 1000n),
  timeMicros: (v: Json) => timeText(integer(v)),
  timeNanos: (v: Json) => timeText(integer(v) / 1000n),
  timestampMillis: (v: Json) => timestampText(integer(v) * 1000n),
  timestampMicros: (v: Json) => timestampText(integer(v)),
  timestampNanos: (v: Json) => timestampText(integer(v) / 1000n),
  zonedTimestamp: (v: Json) => zonedTimestampText(str(v)),
  zonedTime: (v: Json) => zonedTimeText(str(v)),
  interval: (v: Json) => intervalText(str(v)),
  bytes: (v: Json) => byteaText(str(v)),
  // A PostGIS value's (E)WKB, printed as PostGIS prints it: upper-case hex.
  wkb: (v: Json) => Buffer.from(str(field(v, 'wkb')), 'base64').toString('hex').toUpperCase(),
  point: (v: Json) => `(${plainText(field(v, 'x'))},${plainText(field(v, 'y'))})`,
  hstore: (v: Json) => {
    const pairs = typeof v === 'string' ? parseJson(v) : v;
    if (!isObject(pairs)) throw new TypeError('expected an hstore as a JSON object');
    return hstoreText(pairs);
  },
  // io.debezium.data.Bits: little-endian bytes with the trailing zero bytes cut (bit(1) a boolean);
  // the declared length gives back the leading zeros.
  bits: (length: number): ValueDecoder => (v) => {
    if (typeof v === 'boolean' && length === 1) return v ? '1' : '0';
    const bytes = Buffer.from(str(v), 'base64').reverse();
    const text = bytes.length === 0 ? '' : BigInt(`0x${bytes.toString('hex')}`).toString(2);
    if (text.length > length) throw new RangeError(`${text.length} bits do not fit bit(${length})`);
    return text.padStart(length, '0');
  },
} satisfies Record<string, ValueDecoder | ((scale: number) => ValueDecoder)>;

/** The decoder a Connect schema (type + semantic name) calls for. */
function decoderForSchema(s: ConnectSchema): ValueDecoder {
  switch (s.name) {
    case 'org.apache.kafka.connect.data.Decimal':
      return DECODERS.decimal(Number(s.parameters?.scale ?? '0'));
    case 'io.debezium.data.VariableScaleDecimal':
      return DECODERS.variableDecimal;
    case 'io.debezium.time.Date':
    case 'org.apache.kafka.connect.data.Date':
      return DECODERS.date;
    case 'io.debezium.time.Time':
    case 'org.apache.kafka.connect.data.Time':
      return DECODERS.timeMillis;
    case 'io.debezium.time.MicroTime':
      return DECODERS.timeMicros;
    case 'io.debezium.time.NanoTime':
      return DECODERS.timeNanos;
    case 'io.debezium.time.Timestamp':
    case 'org.apache.kafka.connect.data.Timestamp':
      return DECODERS.timestampMillis;
    case 'io.debezium.time.MicroTimestamp':
      return DECODERS.timestampMicros;
    case 'io.debezium.time.NanoTimestamp':
      return DECODERS.timestampNanos;
    case 'io.debezium.time.ZonedTimestamp':
      return DECODERS.zonedTimestamp;
    case 'io.debezium.time.ZonedTime':
      return DECODERS.zonedTime;
    case 'io.debezium.time.Interval':
      return DECODERS.interval;
    case 'io.debezium.data.geometry.Geometry':
    case 'io.debezium.data.geometry.Geography':
      return DECODERS.wkb;
    case 'io.debezium.data.geometry.Point':
      return DECODERS.point;
    default:
      return s.type === 'bytes' ? DECODERS.bytes : DECODERS.plain;
  }
}

const TYPE_WITH_ARGS = /^([a-z][a-z0-9 ]*?)(?:\((\d+)(?:,\s*(\d+))?\))?( with(?:out)? time zone)?(\[\])?$/;

/** The decoder a source column type calls for, given the connector settings (schemaless messages). */
function decoderForColumn(pgType: string, s: DebeziumSettings): ValueDecoder {
  // PostGIS values and points arrive as the structs a schema would name (Geometry, Point), bits as Bits, an hstore as JSON.
  const parsed = parsePgType(pgType);
  if (parsed?.dims === 0 && (parsed.base === 'geometry' || parsed.base === 'geography')) return DECODERS.wkb;
  if (parsed?.dims === 0 && parsed.base === 'point') return DECODERS.point;
  if (parsed?.dims === 0 && parsed.base === 'hstore') return DECODERS.hstore;
  if (parsed?.dims === 0 && parsed.base === 'bit') return DECODERS.bits(Number(parsed.mods?.[0] ?? '1'));
  const m = TYPE_WITH_ARGS.exec(pgType.trim().toLowerCase());
  if (!m || m[5]) return DECODERS.plain; // arrays and anything unusual arrive as plain JSON
  const base = m[1]!;
  const zoned = m[4] === ' with time zone';
  const precision = m[2] === undefined ? 6 : Number(m[2]);
  // connect: everything in ms. adaptive: TIME and TIMESTAMP of precision 0-3 in ms, 4-6 in µs.
  // adaptive_time_microseconds: as adaptive, except that every TIME is in µs.
  const connect = s.timePrecisionMode === 'connect';
  const millisTime = connect || (s.timePrecisionMode === 'adaptive' && precision <= 3);
  const millisTimestamp = connect || precision <= 3;
  switch (base) {
    case 'numeric':
    case 'decimal':
      if (s.decimalHandlingMode === 'string') return DECODERS.decimalString;
      if (s.decimalHandlingMode === 'double') return DECODERS.plain;
      return m[2] === undefined ? DECODERS.variableDecimal : DECODERS.decimal(Number(m[3] ?? '0'));
    case 'money':
      return s.decimalHandlingMode === 'precise' ? DECODERS.decimal(2) : DECODERS.plain;
    case 'date':
      return DECODERS.date;
    case 'time':
      if (zoned) return DECODERS.zonedTime;
      return millisTime ? DECODERS.timeMillis : DECODERS.timeMicros;
    case 'timestamp':
      if (zoned) return DECODERS.zonedTimestamp;
      return millisTimestamp ? DECODERS.timestampMillis : DECODERS.timestampMicros;
    case 'timetz':
      return DECODERS.zonedTime;
    case 'timestamptz':
      return DECODERS.zonedTimestamp;
    case 'bytea':
      return DECODERS.bytes;
    case 'interval':
      // Under numeric a bare number of microseconds: refused in columnTypes when the config is read.
      return s.intervalHandlingMode === 'string' ? DECODERS.interval : DECODERS.plain;
    default:
      return DECODERS.plain;
  }
}

/** How to read the columns of one row struct: by embedded schema, or by the caller's column types. */
export interface RowReader {
  decoderFor(column: string): ValueDecoder | undefined;
  fields: FieldType[] | null;
}

function schemaReader(fields: ConnectSchema[]): RowReader {
  const byName = new Map(fields.map((f) => [f.field!, decoderForSchema(f)]));
  return {
    decoderFor: (c) => byName.get(c),
    fields: fields.map((f) => ({
      name: f.field!,
      type: f.type,
      semantic: f.name ?? null,
      optional: f.optional ?? false,
      parameters: { ...(f.parameters ?? {}) },
    })),
  };
}

function columnsReader(columns: Readonly<Record<string, string>> | undefined, settings: DebeziumSettings): RowReader {
  const cache = new Map<string, ValueDecoder>();
  return {
    decoderFor: (c) => {
      const type = columns?.[c];
      if (type === undefined) return undefined;
      let d = cache.get(c);
      if (!d) cache.set(c, (d = decoderForColumn(type, settings)));
      return d;
    },
    fields: null,
  };
}

interface Ctx {
  pos: Position;
  unavailable: string;
  unavailableB64: string;
}

function isUnavailable(v: Json, ctx: Ctx): boolean {
  if (typeof v === 'string') return v === ctx.unavailable || v === ctx.unavailableB64;
  // Unchanged TOASTed arrays arrive as an array holding the placeholder.
  return Array.isArray(v) && v.length === 1 && v[0] === ctx.unavailable;
}

function readRow(raw: Json, reader: RowReader, ctx: Ctx, unavailable?: Set<string>): Row {
  if (!isObject(raw)) throw new DebeziumDecodeError(ctx.pos, null, 'a row is not a JSON object');
  const row: Row = {};
  for (const column in raw) {
    const v = raw[column];
    if (v === null) {
      row[column] = null;
      continue;
    }
    if (unavailable && isUnavailable(v, ctx)) {
      unavailable.add(column);
      continue;
    }
    const decode = reader.decoderFor(column);
    if (!decode) {
      throw new DebeziumDecodeError(ctx.pos, column, 'the message has no schema and the column type is not known (new column at the source?)');
    }
    try {
      row[column] = decode(v);
    } catch (err) {
      throw new DebeziumDecodeError(ctx.pos, column, err instanceof Error ? err.message : String(err));
    }
  }
  return row;
}

function header(h: KafkaRecord['headers'], name: string): Buffer | string | null {
  const v = h?.[name];
  if (v === undefined || v === null) return null;
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? null : one;
}

/** Splits `{schema, payload}` (schemas.enable=true) from a bare payload. */
function unwrap(parsed: Json): { schema: ConnectSchema | null; payload: Json } {
  if (isObject(parsed) && 'schema' in parsed && 'payload' in parsed && Object.keys(parsed).length === 2) {
    return { schema: parsed.schema as ConnectSchema, payload: parsed.payload };
  }
  return { schema: null, payload: parsed };
}

function parse(json: string, ctx: Ctx, what: string): Json {
  try {
    return parseJson(json);
  } catch {
    throw new DebeziumDecodeError(ctx.pos, null, `the ${what} is not JSON (is the connector's converter the JSON converter?)`);
  }
}

// Every message of a topic repeats the same schema (most of its bytes): it is recognised by its
// bytes (see envelope.ts), parsed once per decoder (a batch) and what follows from it worked out
// once; only the payload becomes text, and of a change event's payload only its rows (see
// payload-scan.ts).
interface SchemaInfo {
  schema: ConnectSchema;
  /** Set when the payload can be scanned instead of parsed whole. */
  layout: PayloadLayout | null;
  /** The row's struct (after, or before), for a change event's schema. */
  row: ConnectSchema | undefined;
  /** For a key schema: the keys read so far by their payload bytes (latin1), frozen (see scanKey). */
  keys?: Map<string, Row>;
}
const isRowField = (f: ConnectSchema) => f.field === 'after' || f.field === 'before';
const readers = new WeakMap<ConnectSchema[], RowReader>();

interface Located {
  bytes: Buffer;
  info: SchemaInfo | null;
  parts: EnvelopeParts | null;
}

/** The message's schema, when it has one and the bytes were split cleanly. */
function locate(raw: Buffer | string, cache: SchemaCache<SchemaInfo>): Located {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const hit = cache.lookup(bytes);
  if (hit) return { bytes, info: hit.value, parts: hit.parts };
  const parts = splitEnvelope(bytes);
  if (parts) {
    try {
      const parsed = JSON.parse(bytes.toString('utf8', parts.schemaStart, parts.schemaEnd)) as Json;
      if (isObject(parsed) && typeof parsed.type === 'string') {
        const schema = parsed as unknown as ConnectSchema;
        const info: SchemaInfo = { schema, layout: standardLayout(schema.fields), row: schema.fields?.find(isRowField) };
        cache.add(bytes, parts, info);
        return { bytes, info, parts };
      }
    } catch {
      // not a schema: parse the whole message
    }
  }
  return { bytes, info: null, parts: null };
}

function envelope(loc: Located, ctx: Ctx, what: string): { schema: ConnectSchema | null; payload: Json } {
  if (loc.info && loc.parts) {
    try {
      return { schema: loc.info.schema, payload: parseJson(loc.bytes.toString('utf8', loc.parts.payloadStart, loc.parts.payloadEnd)) };
    } catch {
      // not a clean payload: the whole message below says what is wrong with it
    }
  }
  return unwrap(parse(loc.bytes.toString('utf8'), ctx, what));
}

function cachedSchemaReader(fields: ConnectSchema[], pos: Position): RowReader {
  let r = readers.get(fields);
  if (!r) {
    // A forged or broken schema: a column without a name cannot be staged or merged.
    if (fields.some((f) => typeof f.field !== 'string' || f.field === '')) throw new DebeziumDecodeError(pos, null, 'a field of the embedded schema has no name');
    readers.set(fields, (r = schemaReader(fields)));
  }
  return r;
}

export function decodeRecord(record: KafkaRecord, options: DecodeOptions = {}): DecodedRecord {
  return recordDecoder(options)(record);
}

/** decodeRecord for many records with the same options: what depends on the options only is done once. */
export function recordDecoder(options: DecodeOptions = {}): (record: KafkaRecord) => DecodedRecord {
  return changeReader(options).decode;
}

const NO_COLUMNS: ReadonlySet<string> = new Set();

export function changeReader(options: DecodeOptions = {}): ChangeReader {
  const placeholder = options.unavailableValue ?? DEFAULT_UNAVAILABLE;
  const unavailableB64 = Buffer.from(placeholder, 'utf8').toString('base64');
  const hints = columnsReader(options.columns, options.settings ?? DEFAULT_SETTINGS);
  const caches: Caches = { keys: new SchemaCache<SchemaInfo>(), values: new SchemaCache<SchemaInfo>() };
  const arena = new ByteArena();
  // A value equal to the placeholder shows as its bytes, or written with escapes (a NUL in it
  // could also come from parseJson's marked integers: then nothing is ruled out).
  const needles: Needles | null = placeholder.includes('\u0000') ? null : { placeholder: Buffer.from(placeholder, 'utf8'), base64: Buffer.from(unavailableB64, 'latin1') };
  const ctxOf = (record: { topic: string; partition: number; offset: string | bigint }): Ctx => {
    const pos: Position = { topic: record.topic, partition: record.partition, offset: BigInt(record.offset) };
    return { pos, unavailable: placeholder, unavailableB64 };
  };
  // scan and rows run for every event: one context, moved from record to record (errors copy it).
  const shared: Ctx = { pos: { topic: '', partition: 0, offset: 0n }, unavailable: placeholder, unavailableB64 };
  const at = (record: { topic: string; partition: number; offset: string | bigint }): Ctx => {
    shared.pos.topic = record.topic;
    shared.pos.partition = record.partition;
    shared.pos.offset = BigInt(record.offset);
    return shared;
  };
  return {
    decode: (record) => {
      const ctx = ctxOf(record);
      return decodeOne(record, ctx.pos, ctx, hints, caches);
    },
    scan: (record) => scanOne(record, at(record), hints, caches, arena, needles),
    rows: (e) => {
      if (e.kind === 'change') return e;
      if (e.afterBytes === null) return { after: null, unavailable: NO_COLUMNS };
      const ctx = at(e);
      const raw = parse(e.afterBytes.toString('utf8', e.afterStart, e.afterEnd), ctx, 'value');
      const unavailable = new Set<string>();
      const after = readRow(raw, e.reader, ctx, unavailable);
      // Kept with the winner until it is written: most rows lack nothing and share one empty set.
      return { after, unavailable: unavailable.size > 0 ? unavailable : NO_COLUMNS };
    },
  };
}

interface Caches {
  keys: SchemaCache<SchemaInfo>;
  values: SchemaCache<SchemaInfo>;
  /** The last source of a scanned event: a batch keeps thousands of events of one table. */
  source?: { schema: string; table: string };
}

/** What decoding takes from a change event's payload, whether scanned or parsed whole. */
interface Payload extends Omit<PayloadParts, 'before' | 'after' | 'schema'> {
  before: Json;
  after: Json;
  sourceSchema: string;
}

/** The payload from its bytes (see payload-scan.ts), or null to parse it whole. */
function scanned(loc: Located): Payload | null {
  if (!loc.info?.layout || !loc.parts) return null;
  const p = scanPayload(loc.bytes, loc.parts.payloadStart, loc.parts.payloadEnd, loc.info.layout);
  if (!p) return null;
  try {
    return {
      op: p.op,
      before: p.before === null ? null : parseJson(p.before),
      after: p.after === null ? null : parseJson(p.after),
      lsn: p.lsn,
      commitLsn: p.commitLsn,
      txId: p.txId,
      tsMs: p.tsMs,
      snapshot: p.snapshot,
      snapshotMark: p.snapshotMark,
      sourceSchema: p.schema,
      table: p.table,
    };
  } catch {
    return null;
  }
}

function parsed(loc: Located, ctx: Ctx): Payload & { schema: ConnectSchema | null } {
  const { schema, payload } = envelope(loc, ctx, 'value');
  if (!isObject(payload) || typeof payload.op !== 'string' || !isObject(payload.source)) {
    throw new DebeziumDecodeError(ctx.pos, null, 'not a Debezium change event (no op or source; a heartbeat or other topic?)');
  }
  const src = payload.source;
  const ts = jsonInteger(src.ts_ms);
  return {
    op: payload.op,
    before: payload.before,
    after: payload.after,
    // An incremental snapshot read has no source.lsn: its sequence says where it was emitted.
    lsn: jsonInteger(src.lsn) ?? sequenceLsn(src.sequence),
    commitLsn: sequenceCommitLsn(src.sequence),
    txId: src.txId == null ? null : (jsonInteger(src.txId) ?? null),
    tsMs: ts === undefined ? 0 : Number(ts),
    snapshot: isSnapshot(src.snapshot),
    snapshotMark: snapshotMark(src.snapshot),
    sourceSchema: typeof src.schema === 'string' ? src.schema : '',
    table: typeof src.table === 'string' ? src.table : '',
    schema,
  };
}

function readKey(record: KafkaRecord, ctx: Ctx, hints: RowReader, caches: Caches): { key: Row; keyReader: RowReader } {
  if (record.key === null) return { key: {}, keyReader: hints };
  const k = envelope(locate(record.key, caches.keys), ctx, 'key');
  const keyReader = k.schema?.fields ? cachedSchemaReader(k.schema.fields, ctx.pos) : hints;
  return { key: readRow(k.payload, keyReader, ctx), keyReader };
}

/**
 * readKey for scanned events: a batch repeats its keys, so each distinct key (by its payload
 * bytes under one key schema) is read once and shared, frozen; collapse.ts keeps its keyId.
 */
function scanKey(raw: Buffer | string, record: KafkaRecord, ctx: Ctx, hints: RowReader, caches: Caches): Row {
  const loc = locate(raw, caches.keys);
  if (!loc.info || !loc.parts) return readKey(record, ctx, hints, caches).key;
  const text = loc.bytes.toString('latin1', loc.parts.payloadStart, loc.parts.payloadEnd);
  const known = loc.info.keys?.get(text);
  if (known) return known;
  const key = Object.freeze(readKey(record, ctx, hints, caches).key);
  (loc.info.keys ??= new Map<string, Row>()).set(text, key);
  return key;
}

function sameSource(caches: Caches, schema: string, table: string): { schema: string; table: string } {
  const last = caches.source;
  if (last?.schema === schema && last.table === table) return last;
  return (caches.source = { schema, table });
}

interface Needles {
  placeholder: Buffer;
  base64: Buffer;
}

const BACKSLASH = 0x5c;

/** Whether the JSON text bytes[start, end) hold no value that could read as the unavailable-value placeholder. */
function lacksPlaceholder(bytes: Buffer, start: number, end: number, n: Needles | null): boolean {
  // A search may run past `end` (to the end of the message); only a hit inside counts.
  const outside = (at: number) => at < 0 || at >= end;
  return n !== null && outside(bytes.indexOf(BACKSLASH, start)) && outside(bytes.indexOf(n.placeholder, start)) && outside(bytes.indexOf(n.base64, start));
}

/** See ChangeReader.scan: every check decodeOne makes of what it reads, or null to let it decide. */
function scanOne(record: KafkaRecord, ctx: Ctx, hints: RowReader, caches: Caches, arena: ByteArena, needles: Needles | null): ScannedChange | null {
  if (record.key === null || record.value === null || header(record.headers, '__debezium.oldkey') !== null) return null;
  const loc = locate(record.value, caches.values);
  const layout = loc.info?.layout;
  const rowFields = loc.info?.row?.fields;
  if (!layout || !loc.parts || !rowFields) return null;
  const p = scanPayloadSpans(loc.bytes, loc.parts.payloadStart, loc.parts.payloadEnd, layout);
  if (!p || p.lsn === undefined) return null;
  const op = p.op;
  if (op !== 'c' && op !== 'r' && op !== 'u' && op !== 'd') return null;
  if ((op === 'd') !== (p.afterStart < 0)) return null;
  // As decodeOne: the key is read first, so a bad key is reported as such.
  const key = scanKey(record.key, record, ctx, hints, caches);
  const reader = cachedSchemaReader(rowFields, ctx.pos);
  let afterBytes: Buffer | null = null;
  let afterStart = 0;
  let noUnavailable = false;
  if (p.afterStart >= 0) {
    noUnavailable = lacksPlaceholder(loc.bytes, p.afterStart, p.afterEnd, needles);
    afterStart = arena.copy(loc.bytes, p.afterStart, p.afterEnd);
    afterBytes = arena.current;
  }
  return new Scanned(ctx.pos, op, key, p.lsn, p.commitLsn, p.txId, p.tsMs, p.snapshot, p.snapshotMark, sameSource(caches, p.schema, p.table), reader, afterBytes, afterStart, afterStart + (p.afterEnd - p.afterStart), noUnavailable);
}

/**
 * A batch keeps every scanned event until it is collapsed: one class, its fields set in one
 * place, so each is a single object without a separate property store.
 */
class Scanned implements ScannedChange {
  readonly kind = 'scanned';
  readonly oldKey = null;
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly fields: FieldType[] | null;
  constructor(
    pos: Position,
    readonly op: 'c' | 'r' | 'u' | 'd',
    readonly key: Row,
    readonly lsn: bigint,
    readonly commitLsn: bigint | undefined,
    readonly txId: bigint | null,
    readonly sourceTsMs: number,
    readonly snapshot: boolean,
    readonly snapshotMark: SnapshotMark,
    readonly source: { schema: string; table: string },
    readonly reader: RowReader,
    readonly afterBytes: Buffer | null,
    readonly afterStart: number,
    readonly afterEnd: number,
    readonly noUnavailable: boolean,
  ) {
    this.topic = pos.topic;
    this.partition = pos.partition;
    this.offset = pos.offset;
    this.fields = reader.fields;
  }
}

function decodeOne(record: KafkaRecord, pos: Position, ctx: Ctx, hints: RowReader, caches: Caches): DecodedRecord {
  const { key, keyReader } = readKey(record, ctx, hints, caches);
  if (record.value === null) {
    if (record.key === null) throw new DebeziumDecodeError(pos, null, 'a tombstone without a key');
    return { kind: 'tombstone', ...pos, key };
  }

  const loc = locate(record.value, caches.values);
  let payload: Payload | null = scanned(loc);
  let rowSchema = loc.info?.row;
  if (!payload) {
    const whole = parsed(loc, ctx);
    payload = whole;
    rowSchema = whole.schema?.fields?.find(isRowField);
  }
  const op = payload.op;
  if (op !== 'c' && op !== 'r' && op !== 'u' && op !== 'd') return { kind: 'other', ...pos, op, lsn: payload.lsn ?? null, commitLsn: payload.commitLsn, sourceTsMs: payload.tsMs, source: { schema: payload.sourceSchema, table: payload.table } };
  if (record.key === null) throw new DebeziumDecodeError(pos, null, 'a change event without a key (the table needs a primary key)');

  const reader = rowSchema?.fields ? cachedSchemaReader(rowSchema.fields, pos) : hints;
  const unavailable = new Set<string>();
  // Placeholders are left out of `before` too (it is only complete under REPLICA IDENTITY FULL).
  const before = payload.before == null ? null : readRow(payload.before, reader, ctx, new Set());
  const after = payload.after == null ? null : readRow(payload.after, reader, ctx, unavailable);
  if ((op === 'd') !== (after === null)) {
    throw new DebeziumDecodeError(pos, null, op === 'd' ? 'a delete with an after row' : `op "${op}" without an after row`);
  }
  const oldKeyBytes = header(record.headers, '__debezium.oldkey');
  const oldKey = oldKeyBytes === null ? null : readRow(envelope(locate(oldKeyBytes, caches.keys), ctx, '__debezium.oldkey header').payload, keyReader, ctx);

  if (payload.lsn === undefined) throw new DebeziumDecodeError(pos, null, 'source.lsn is missing (not a PostgreSQL connector event?)');
  return {
    kind: 'change',
    ...pos,
    op,
    key,
    oldKey,
    before,
    after,
    unavailable,
    lsn: payload.lsn,
    commitLsn: payload.commitLsn,
    txId: payload.txId,
    sourceTsMs: payload.tsMs,
    snapshot: payload.snapshot,
    snapshotMark: payload.snapshotMark,
    source: { schema: payload.sourceSchema, table: payload.table },
    fields: rowSchema?.fields ? reader.fields : null,
  };
}
