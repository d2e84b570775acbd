// The type map: one row per PostgreSQL source type (built-in, contrib, PostGIS and the classes of
// user-defined types), saying what the PostgreSQL warehouse keeps it as, what Redshift keeps it
// as and what happens to values Redshift cannot hold exactly, and how its canonical text form
// is written in each dialect (what verify compares). A new type is a new row here; the warehouse
// DDL, the Redshift DDL and staging, `columnTypes` and docs/types.md all read it. Pure data.
import type { PgType } from './parse.js';

/** The modifiers a type may carry in parentheses. */
export type Modifiers = 'none' | 'length' | 'precision' | 'numeric' | 'postgis';

/** What a Redshift column of a row's type is: DDL, VARCHAR length, SUPER. */
export interface RedshiftType {
  /** DDL type, e.g. "VARCHAR(800)", "DECIMAL(12,2)", "SUPER". */
  sql: string;
  /** For VARCHAR: its length in bytes; null for other types. */
  varcharBytes: number | null;
  /** SUPER columns are compared through JSON_SERIALIZE. */
  isSuper: boolean;
}

/**
 * What happens to a value Redshift cannot hold exactly: `exact` (every value fits), `text form`
 * (kept as the source's text), `quarantine` (a value longer than its VARCHAR keeps its row out of
 * the target, recorded in tributary_quarantine with its key), `fail` (the load fails naming the column).
 */
export type RedshiftPolicy = 'exact' | 'text form' | 'quarantine' | 'fail';

/**
 * How a column's canonical text is written (`canonicalText` in render.ts, one SQL expression per
 * dialect, both giving the same text for the same value): `text` the type's own text form;
 * `output` its output form where its text cast differs (inet's ::text keeps a host's /32, which
 * its output, and so COPY and the stage, leave out); `numeric` plain digits without trailing
 * fractional zeros; `boolean` t/f (Redshift casts no boolean to text); `date` and `timestamp` through TO_CHAR; `utc` a timestamptz in UTC;
 * `bpchar` blank-trimmed text; `float` the value's binary exponent and 53-bit significand in
 * digits (no float text form, which differs between the engines); `time` and `timetz` through
 * TO_CHAR of the time on a fixed day (timetz in UTC); `geometry` hex EWKB; `json` and `array`
 * (Redshift keeps both in SUPER) have no Redshift expression shown to agree: verify on Redshift
 * refuses their columns.
 */
export type CanonicalForm = 'text' | 'output' | 'numeric' | 'boolean' | 'date' | 'timestamp' | 'utc' | 'bpchar' | 'float' | 'time' | 'timetz' | 'json' | 'array' | 'geometry';

export interface TypeRow {
  /** The row's name in docs/types.md. */
  title: string;
  /** format_type base names (lower case) the row covers; empty for the classes of user-defined types. */
  names: string[];
  modifiers: Modifiers;
  origin: 'built-in' | 'contrib' | 'PostGIS' | 'user-defined';
  /**
   * The PostgreSQL warehouse column: the source's own type, or text when the warehouse may lack
   * the type (an extension's, a user-defined one); text keeps the value's text form exactly.
   */
  postgres: 'same' | 'text' | 'base type';
  redshift(t: PgType): RedshiftType;
  policy: { redshift: RedshiftPolicy; reason: string };
  canonical: CanonicalForm;
  /**
   * How a merge tells a changed value from an unchanged one: `value` with the type's equality,
   * `text` by text form where equality is looser than the text (numeric 1.5 = 1.50, interval
   * '1 day' = '24 hours', box and circle by area) or missing (json, xml, point).
   */
  compare: 'value' | 'text';
  /**
   * What the Debezium PostgreSQL connector does to the type's values where the CDC target does
   * not get the source's text form (absent: it does), shown by test/integration/type-matrix-cdc.test.ts.
   */
  debezium?: string;
}

export const MAX_VARCHAR_BYTES = 65535;

export const plain = (sql: string): RedshiftType => ({ sql, varcharBytes: null, isSuper: false });
export const varchar = (bytes: number): RedshiftType => {
  const n = Math.min(Math.max(1, bytes), MAX_VARCHAR_BYTES);
  return { sql: `VARCHAR(${n})`, varcharBytes: n, isSuper: false };
};
export const SUPER: RedshiftType = { sql: 'SUPER', varcharBytes: null, isSuper: true };
const TEXT = () => varchar(MAX_VARCHAR_BYTES);
const fixed = (r: RedshiftType) => () => r;

const LONG_TEXT = 'a value longer than its VARCHAR (at most 65535 bytes) quarantines its row';
const TEXT_FORM = (what: string) => ({ redshift: 'text form' as const, reason: `Redshift has no ${what}; VARCHAR keeps the source's text form; ${LONG_TEXT}` });
const EXACT = { redshift: 'exact' as const, reason: 'every value fits' };

/** Characters to Redshift bytes: up to 4 bytes a character in UTF-8. */
const charLength = (t: PgType) => (t.mods ? varchar(4 * Number(t.mods[0])) : TEXT());

function decimal(t: PgType): RedshiftType {
  if (!t.mods) return varchar(1000);
  const [p, s] = [Number(t.mods[0]), Number(t.mods[1] ?? 0)];
  // Redshift DECIMAL stops at precision 38 and takes no negative scale; the rest stays exact as text.
  if (p <= 38 && s >= 0 && s <= p) return plain(`DECIMAL(${p},${s})`);
  // The longest text form: sign, digits (and the zeros of a negative scale), point, a leading 0.
  return varchar(s < 0 ? p - s + 1 : s >= p ? s + 3 : p + 2);
}

/** Redshift VARCHAR bytes of the text form of the fixed-size types kept as text. */
const textOf = (bytes: number) => fixed(varchar(bytes));

type Defaults = 'canonical' | 'modifiers' | 'compare';
const row = (r: Omit<TypeRow, Defaults> & Partial<Pick<TypeRow, Defaults>>): TypeRow => ({
  modifiers: 'none',
  compare: 'value',
  canonical: 'text',
  ...r,
});

export const TYPE_ROWS: TypeRow[] = [
  row({ title: 'smallint', names: ['smallint', 'int2'], origin: 'built-in', postgres: 'same', redshift: fixed(plain('SMALLINT')), policy: EXACT }),
  row({ title: 'integer', names: ['integer', 'int', 'int4'], origin: 'built-in', postgres: 'same', redshift: fixed(plain('INTEGER')), policy: EXACT }),
  row({ title: 'bigint', names: ['bigint', 'int8'], origin: 'built-in', postgres: 'same', redshift: fixed(plain('BIGINT')), policy: EXACT }),
  row({
    title: 'numeric(p,s)', names: ['numeric', 'decimal'], debezium: 'precise: the value, but NaN and ±Infinity arrive as NULL (Debezium\'s decimals have none); string: the digits (text in a schema-typed target, where NaN and ±Infinity are Debezium\'s NAN, POSITIVE_INFINITY and NEGATIVE_INFINITY; read back as NaN and ±Infinity into a columnTypes numeric); double: the value rounded to float8, NaN and ±Infinity kept (double precision in the target, columnTypes too)',  modifiers: 'numeric', origin: 'built-in', postgres: 'same', redshift: decimal, compare: 'text', canonical: 'numeric',
    policy: { redshift: 'fail', reason: `DECIMAL up to precision 38; wider or unconstrained numeric is VARCHAR with the exact digits (${LONG_TEXT}). NaN has no DECIMAL value: the load fails naming the column` },
  }),
  row({
    title: 'real', names: ['real', 'float4'], origin: 'built-in', postgres: 'same', redshift: fixed(plain('REAL')), canonical: 'float',
    policy: { redshift: 'exact', reason: 'NaN and ±Infinity are float values in Redshift too (not run against Redshift itself)' },
  }),
  row({
    title: 'double precision', names: ['double precision', 'float8'], origin: 'built-in', postgres: 'same', redshift: fixed(plain('DOUBLE PRECISION')), canonical: 'float',
    policy: { redshift: 'exact', reason: 'NaN and ±Infinity are float values in Redshift too (not run against Redshift itself)' },
  }),
  row({ title: 'money', names: ['money'], debezium: 'the amount without the currency format of lc_monetary: precise a Decimal (numeric in a schema-typed target), string its text, double rounded to float8 (double precision in the target, columnTypes too); a columnTypes money column under precise or string holds the value itself',  origin: 'built-in', postgres: 'same', redshift: textOf(32), policy: TEXT_FORM('money type (its text form follows lc_monetary)') }),
  row({ title: 'text', names: ['text'], origin: 'built-in', postgres: 'same', redshift: TEXT, policy: { redshift: 'quarantine', reason: LONG_TEXT } }),
  row({ title: 'varchar(n)', names: ['character varying', 'varchar'], modifiers: 'length', origin: 'built-in', postgres: 'same', redshift: charLength, policy: { redshift: 'quarantine', reason: `VARCHAR(4n) bytes hold n characters; ${LONG_TEXT}` } }),
  row({
    title: 'char(n)', names: ['character', 'char', 'bpchar'], debezium: 'text holding the padded value (the type\'s output form)',  modifiers: 'length', origin: 'built-in', postgres: 'same', redshift: charLength, canonical: 'bpchar',
    policy: { redshift: 'exact', reason: 'Redshift CHAR is single-byte only, so VARCHAR(4n) keeps the padded value; compared without trailing blanks, as PostgreSQL compares char(n)' },
  }),
  row({ title: 'name', names: ['name'], origin: 'built-in', postgres: 'same', redshift: textOf(256), policy: EXACT }),
  row({
    title: 'bytea', names: ['bytea'], origin: 'built-in', postgres: 'same', redshift: TEXT,
    // VARBYTE would load hex without the \x prefix, which the topic and CDC stages do not write yet.
    policy: { redshift: 'text form', reason: `VARCHAR keeps the source's hex text form (\\x...), as every stage writes it; ${LONG_TEXT} (a value past 32766 bytes)` },
  }),
  row({ title: 'boolean', names: ['boolean', 'bool'], origin: 'built-in', postgres: 'same', redshift: fixed(plain('BOOLEAN')), canonical: 'boolean', policy: EXACT }),
  row({
    title: 'date', names: ['date'], debezium: 'under every time.precision.mode: ±infinity, BC dates and dates past year 294276 arrive as other days (the connector\'s conversion); a day outside 4714-11-24 BC to 294276-12-31 is an event that cannot be applied (a dead letter naming the column, or a halt at options.maxDeadLetterRatio 0)',  origin: 'built-in', postgres: 'same', redshift: fixed(plain('DATE')), canonical: 'date',
    policy: { redshift: 'fail', reason: 'Redshift DATE has no ±infinity and ends in year 294276: such a value fails the load naming the column' },
  }),
  row({ title: 'time(p)', names: ['time'], debezium: 'adaptive and adaptive_time_microseconds: its text form; connect: milliseconds, a finer fraction cut (not rounded)', modifiers: 'precision', origin: 'built-in', postgres: 'same', redshift: fixed(plain('TIME')), canonical: 'time', policy: { redshift: 'exact', reason: 'TIME keeps microseconds, as PostgreSQL does' } }),
  row({ title: 'timetz(p)', names: ['timetz'], debezium: 'in UTC: the offset is not sent',  modifiers: 'precision', origin: 'built-in', postgres: 'same', redshift: fixed(plain('TIMETZ')), canonical: 'timetz', policy: { redshift: 'exact', reason: 'TIMETZ keeps microseconds and the time in UTC, not its offset (as Debezium sends it); verify compares it in UTC' } }),
  row({
    title: 'timestamp(p)', names: ['timestamp'], debezium: 'adaptive and adaptive_time_microseconds: its text form, but the last microsecond of year 294276 overflows MicroTimestamp: an event that cannot be applied (a dead letter naming the column, or a halt at options.maxDeadLetterRatio 0); connect: milliseconds, a finer fraction cut (not rounded), year 294276 included',  modifiers: 'precision', origin: 'built-in', postgres: 'same',
    redshift: fixed(plain('TIMESTAMP')), canonical: 'timestamp',
    policy: { redshift: 'fail', reason: 'TIMESTAMP keeps microseconds but has no ±infinity: such a value fails the load naming the column' },
  }),
  row({
    title: 'timestamptz(p)', names: ['timestamptz'], debezium: 'its text form under every time.precision.mode (ZonedTimestamp, in UTC)', modifiers: 'precision', origin: 'built-in', postgres: 'same', redshift: fixed(plain('TIMESTAMPTZ')), canonical: 'utc',
    policy: { redshift: 'fail', reason: 'TIMESTAMPTZ keeps microseconds but has no ±infinity: such a value fails the load naming the column' },
  }),
  row({ title: 'interval', names: ['interval'], debezium: 'interval.handling.mode numeric (the default): microseconds (MicroDuration, a month as 30.4375 days; bigint in the target): months, days and time are not kept apart, and values past about 292,000 years overflow; string: ISO 8601, read back into its text form (interval in the target, columnTypes too)',  modifiers: 'precision', origin: 'built-in', postgres: 'same', compare: 'text', redshift: textOf(100), policy: TEXT_FORM('interval of months, days and microseconds in one value (its INTERVAL types split them)') }),
  row({ title: 'uuid', names: ['uuid'], origin: 'built-in', postgres: 'same', redshift: textOf(36), policy: TEXT_FORM('uuid type') }),
  row({ title: 'json', names: ['json'], debezium: 'jsonb in the target: spacing and duplicate keys are not kept',  origin: 'built-in', postgres: 'same', compare: 'text', redshift: fixed(SUPER), canonical: 'json', policy: { redshift: 'exact', reason: 'SUPER keeps the JSON value (not its whitespace or duplicate keys); values past 16 MB fail the load' } }),
  row({ title: 'jsonb', names: ['jsonb'], origin: 'built-in', postgres: 'same', redshift: fixed(SUPER), canonical: 'json', policy: { redshift: 'exact', reason: 'SUPER keeps the JSON value; values past 16 MB fail the load' } }),
  row({ title: 'xml', names: ['xml'], origin: 'built-in', postgres: 'same', compare: 'text', redshift: TEXT, policy: TEXT_FORM('xml type') }),
  row({ title: 'inet', names: ['inet'], debezium: 'text in its output form (a host address without /32 or /128)',  origin: 'built-in', postgres: 'same', redshift: textOf(43), canonical: 'output', policy: TEXT_FORM('network address types') }),
  row({ title: 'cidr', names: ['cidr'], origin: 'built-in', postgres: 'same', redshift: textOf(43), policy: TEXT_FORM('network address types') }),
  row({ title: 'macaddr', names: ['macaddr'], origin: 'built-in', postgres: 'same', redshift: textOf(17), policy: TEXT_FORM('MAC address types') }),
  row({ title: 'macaddr8', names: ['macaddr8'], origin: 'built-in', postgres: 'same', redshift: textOf(23), policy: TEXT_FORM('MAC address types') }),
  row({ title: 'bit(n)', names: ['bit'], debezium: 'io.debezium.data.Bits: bytes without the bit length (bytea in the target)',  modifiers: 'length', origin: 'built-in', postgres: 'same', redshift: (t) => varchar(Number(t.mods?.[0] ?? 1)), policy: TEXT_FORM('bit strings') }),
  row({ title: 'varbit(n)', names: ['bit varying', 'varbit'], debezium: 'io.debezium.data.Bits: bytes without the bit length (bytea in the target): leading zeros are lost',  modifiers: 'length', origin: 'built-in', postgres: 'same', redshift: (t) => (t.mods ? varchar(Number(t.mods[0])) : TEXT()), policy: TEXT_FORM('bit strings') }),
  row({ title: 'tsvector', names: ['tsvector'], origin: 'built-in', postgres: 'same', redshift: TEXT, policy: TEXT_FORM('text search types') }),
  row({ title: 'tsquery', names: ['tsquery'], debezium: "left out of Debezium's events: the connector has no mapping for the type",  origin: 'built-in', postgres: 'same', redshift: TEXT, policy: TEXT_FORM('text search types') }),
  ...['point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle'].map((g) =>
    row({
      title: g, names: [g], origin: 'built-in', postgres: 'same', compare: 'text', redshift: TEXT, policy: TEXT_FORM('PostgreSQL geometric types (its GEOMETRY is PostGIS-like)'),
      ...(g === 'point' ? {} : { debezium: "left out of Debezium's events: the connector has no mapping for the type" }),
    }),
  ),
  row({ title: 'oid', names: ['oid', 'xid', 'cid', 'xid8'], debezium: 'oid arrives; xid is left out of Debezium\'s events (cid and xid8 not tried)',  origin: 'built-in', postgres: 'same', redshift: fixed(plain('BIGINT')), policy: { redshift: 'exact', reason: 'unsigned 32-bit (xid8 64-bit) numbers; BIGINT holds oid, xid and cid (xid8 past 2^63 fails the load)' } }),
  row({
    title: 'reg* (regclass, regtype, ...)',
    names: ['regclass', 'regtype', 'regproc', 'regprocedure', 'regoper', 'regoperator', 'regconfig', 'regdictionary', 'regnamespace', 'regrole', 'regcollation'],
    origin: 'built-in', postgres: 'text', redshift: textOf(512), debezium: "left out of Debezium's events: the connector has no mapping for the type",
    policy: TEXT_FORM('object identifier types; the name is the source catalog\'s, so the warehouse keeps it as text'),
  }),
  row({ title: 'pg_lsn', names: ['pg_lsn'], debezium: "left out of Debezium's events: the connector has no mapping for the type",  origin: 'built-in', postgres: 'same', redshift: textOf(17), policy: TEXT_FORM('pg_lsn type') }),
  row({
    title: 'ranges (int4range, ..., daterange)', names: ['int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'daterange'], origin: 'built-in', postgres: 'same', redshift: TEXT,
    policy: TEXT_FORM('range types'),
  }),
  row({
    title: 'multiranges (int4multirange, ...)', names: ['int4multirange', 'int8multirange', 'nummultirange', 'tsmultirange', 'tstzmultirange', 'datemultirange'], origin: 'built-in', postgres: 'same', redshift: TEXT,
    debezium: "left out of Debezium's events: the connector has no mapping for the type",
    policy: TEXT_FORM('multirange types'),
  }),
  row({ title: 'hstore', names: ['hstore'], debezium: 'a JSON object (hstore.handling.mode json), jsonb in the target',  origin: 'contrib', postgres: 'text', redshift: TEXT, policy: TEXT_FORM('hstore type') }),
  row({ title: 'citext', names: ['citext'], origin: 'contrib', postgres: 'text', redshift: TEXT, policy: { redshift: 'quarantine', reason: `the value as is (comparisons in the warehouse are case-sensitive); ${LONG_TEXT}` } }),
  row({ title: 'ltree', names: ['ltree'], origin: 'contrib', postgres: 'text', redshift: TEXT, policy: TEXT_FORM('ltree type') }),
  row({
    title: 'geometry', names: ['geometry'], modifiers: 'postgis', origin: 'PostGIS', postgres: 'text', redshift: fixed(plain('GEOMETRY')), canonical: 'geometry',
    policy: { redshift: 'fail', reason: 'GEOMETRY loads the hex EWKB the source prints; a value past 1 MB or of a type Redshift lacks (curves, TINs) fails the load' },
  }),
  row({
    title: 'geography', names: ['geography'], modifiers: 'postgis', origin: 'PostGIS', postgres: 'text', redshift: fixed(plain('GEOGRAPHY')), canonical: 'geometry',
    policy: { redshift: 'fail', reason: 'GEOGRAPHY loads the hex EWKB the source prints; a value past 1 MB fails the load' },
  }),
];

/** The classes of types a source's catalog defines, and arrays of every row above. */
export const CLASS_ROWS = {
  domain: row({ title: 'domain', names: [], origin: 'user-defined', postgres: 'base type', redshift: TEXT, policy: { redshift: 'exact', reason: "its base type's row; NOT NULL and CHECK stay at the source" } }),
  enum: row({ title: 'enum', names: [], origin: 'user-defined', postgres: 'text', redshift: TEXT, policy: TEXT_FORM('enums (the labels are text)') }),
  composite: row({ title: 'composite', names: [], origin: 'user-defined', postgres: 'text', redshift: TEXT, debezium: "left out of Debezium's events: the connector has no mapping for the type", policy: TEXT_FORM('composite types') }),
  range: row({ title: 'range or multirange of a user-defined type', names: [], origin: 'user-defined', postgres: 'text', redshift: TEXT, debezium: "left out of Debezium's events: the connector has no mapping for the type", policy: TEXT_FORM('range types') }),
  other: row({ title: 'any other base type (an extension not listed)', names: [], origin: 'user-defined', postgres: 'text', redshift: TEXT, policy: TEXT_FORM('type of that name') }),
  array: row({
    title: 'array of any type above', names: [], origin: 'built-in', postgres: 'same', compare: 'text', redshift: fixed(SUPER), canonical: 'array',
    debezium:
      'JSON arrays (jsonb in the target) without lower bounds; two-dimensional and numeric arrays arrive as NULLs, infinity elements as other timestamps, an enum array with a NULL element as NULL, an array with other lower bounds as Java object names; arrays of a domain are left out',
    policy: { redshift: 'text form', reason: 'SUPER keeps elements, NULLs and nesting as JSON; an array whose lower bounds are not 1 ([2:3]={..}) has no JSON form and is kept as its text form, a JSON string' },
  }),
} satisfies Record<string, TypeRow>;

const BY_NAME = new Map(TYPE_ROWS.flatMap((r) => r.names.map((n) => [n, r] as const)));

/** The row of a base name (format_type's, lower case), or undefined for a type not in the map. */
export const typeRow = (base: string): TypeRow | undefined => BY_NAME.get(base);
