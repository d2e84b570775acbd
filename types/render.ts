// What the type map says about one column: its row, its PostgreSQL warehouse type (from what the
// source's catalog says the type is), its Redshift type and staging, its canonical text, and
// whether a type name given by hand (`columnTypes`) is one the map knows. Pure.
import { elementOf, formatPgType, parsePgType, type PgType } from './parse.js';
import { CLASS_ROWS, MAX_VARCHAR_BYTES, typeRow, type CanonicalForm, type RedshiftType, type TypeRow } from './type-map.js';

/** A column as the map reads it: the warehouse type, and the source's own when the warehouse keeps another. */
export interface TypedColumn {
  name: string;
  type: string;
  sourceType?: string;
}

/** typtype of pg_type: b base, d domain, e enum, c composite, r range, m multirange, p pseudo. */
export type TypeClass = 'b' | 'd' | 'e' | 'c' | 'r' | 'm' | 'p';

/** What a source's catalog says of a column's type, domains and array elements already followed. */
export interface CatalogType {
  /** format_type of the column as declared. */
  declared: string;
  /** format_type of the type under every domain and array (the element type of an array). */
  root: string;
  rootClass: TypeClass;
  /** The root is built into PostgreSQL (its oid is below the first one a database assigns). */
  rootBuiltin: boolean;
  /** The column is an array (of the root). */
  array: boolean;
}

/** format_type writes timetz and timestamptz as "time[stamp] with time zone": their own rows. */
const ZONED_BASE: Record<string, string> = { time: 'timetz', timestamp: 'timestamptz' };

/** The row of a scalar type name, or of its class when the map has no row of that name. */
function scalarRow(t: PgType): TypeRow {
  const base = t.zone === 'with' ? (ZONED_BASE[t.base] ?? t.base) : t.base;
  return typeRow(base) ?? CLASS_ROWS.other;
}

/** The map's row of a type as format_type prints it (an array's row for arrays), and its parse. */
export function rowOf(type: string): { row: TypeRow; parsed: PgType | null } {
  const parsed = parsePgType(type);
  if (!parsed) return { row: CLASS_ROWS.other, parsed };
  return { row: parsed.dims > 0 ? CLASS_ROWS.array : scalarRow(parsed), parsed };
}

/**
 * The PostgreSQL warehouse type of a source column: the source's own where every warehouse has
 * it, the base type of a domain (no NOT NULL or CHECK), text where the warehouse may lack the
 * type (enums, composites, user-defined ranges, extension types); arrays stay arrays of it.
 */
export function warehouseColumnType(c: CatalogType): string {
  const root = parsePgType(c.root);
  const brackets = c.array ? '[]' : '';
  const userDefined = !c.rootBuiltin || c.rootClass === 'e' || c.rootClass === 'c';
  const row = root ? scalarRow(root) : CLASS_ROWS.other;
  const asText = !root || row.postgres === 'text' || (userDefined && row.origin === 'built-in') || row === CLASS_ROWS.other;
  return asText ? `text${brackets}` : `${formatPgType(elementOf(root))}${brackets}`;
}

/** The column spec of a source column: the warehouse type, and the source's root type when that differs. */
export function sourceColumn(name: string, c: CatalogType): TypedColumn {
  const type = warehouseColumnType(c);
  const root = `${c.root}${c.array ? '[]' : ''}`;
  return type === root ? { name, type } : { name, type, sourceType: root };
}

/** The row that decides a column's Redshift type: its source type's when the map knows it, else its warehouse type's. */
function redshiftRow(c: TypedColumn | string): { row: TypeRow; parsed: PgType | null } {
  if (typeof c === 'string') return rowOf(c);
  if (c.sourceType) {
    const fromSource = rowOf(c.sourceType);
    if (fromSource.row !== CLASS_ROWS.other) return fromSource;
  }
  return rowOf(c.type);
}

/** The Redshift column type of a column (or of a PostgreSQL type name). */
export function redshiftType(c: TypedColumn | string): RedshiftType {
  const { row, parsed } = redshiftRow(c);
  return row.redshift(parsed ?? { base: 'text', mods: undefined, zone: undefined, dims: 0 });
}

/** The select-list expression that reads a source column into a Redshift stage (`col` is quoted). */
export function redshiftStagedExpr(c: TypedColumn, col: string): string {
  const { row } = redshiftRow(c);
  if (row === CLASS_ROWS.array) return `${arrayJson(arrayRef(c, col))} AS ${col}`;
  return col;
}

/** An array whose elements the warehouse keeps as text (enums, hstore, ...) is read as text[], as a PostgreSQL warehouse holds it. */
const arrayRef = (c: TypedColumn, ref: string) => (c.sourceType ? `(${ref})::text[]` : ref);

/**
 * An array as JSON for SUPER: array_to_json keeps elements, NULLs and nesting but not lower
 * bounds, so an array with a lower bound other than 1 is kept as its text form (a JSON string).
 */
function arrayJson(col: string): string {
  return `CASE WHEN array_dims(${col}) IS NULL OR array_dims(${col}) ~ '^(\\[1:[0-9]+\\])+$' THEN array_to_json(${col}) ELSE to_json(${col}::text) END`;
}

const canonicalForm = (c: TypedColumn): CanonicalForm => redshiftRow(c).row.canonical;

/** Text without trailing fractional zeros (and a bare point): DECIMAL(p,s) pads to its scale, the source's numeric may not. */
const numericTrim = (t: string) => `CASE WHEN POSITION('.' IN ${t}) > 0 THEN RTRIM(RTRIM(${t}, '0'), '.') ELSE ${t} END`;
const same = (sql: (ref: string) => string) => ({ postgres: sql, redshift: sql });
const boolText = (ref: string) => `CASE WHEN ${ref} THEN 't' WHEN NOT ${ref} THEN 'f' END`;

/** The largest finite float8: a value above it (in absolute terms) is an infinity or, for PostgreSQL, NaN. */
const FLOAT8_MAX = `CAST('1.7976931348623157e308' AS FLOAT8)`;

/**
 * A float's canonical text, one SQL text for both engines: `0`, `Infinity`, `-Infinity`, `NaN`,
 * or the sign, the binary exponent e = floor(log2 |x|) and the significand |x| / 2^e * 2^52, an
 * integer of 53 bits: exact in IEEE arithmetic (a power of two divides and multiplies without
 * rounding, subnormals too), where a float's text is not the same on both (PostgreSQL prints the
 * shortest exact digits, Redshift 15 significant ones by default). LN only estimates e;
 * comparisons with powers of two, which both engines compute exactly, correct it by one either
 * way (the estimate is kept in -1074..1022, so no power overflows or underflows). Neither
 * engine's NaN test is used (PostgreSQL's NaN equals itself and is above every number; IEEE's
 * is neither): NaN is what fails both the finite test and the infinity tests on both. A real is
 * widened to float8 first (exact).
 */
function floatText(ref: string): string {
  // Written tight: the column appears about a dozen times, and the Data API takes 100 KB a statement.
  const f = `CAST(${ref} AS FLOAT8)`;
  const a = `ABS(${f})`;
  const e0 = `GREATEST(-1074,LEAST(1022,FLOOR(LN(${a})/LN(2))))`;
  const e = `(${e0}+CASE WHEN ${a}>=POWER(2,${e0}+1) THEN 1 WHEN ${a}<POWER(2,${e0}) THEN -1 ELSE 0 END)`;
  const finite = `CASE WHEN ${f}<0 THEN '-' ELSE '' END||CAST(CAST(${e} AS INT) AS VARCHAR(8))||' '||CAST(CAST(${a}/POWER(2,${e})*4503599627370496 AS BIGINT) AS VARCHAR(20))`;
  return `(CASE WHEN ${f}=0 THEN '0' WHEN ${a}<=${FLOAT8_MAX} THEN ${finite} WHEN ${f}=CAST('Infinity' AS FLOAT8) THEN 'Infinity' WHEN ${f}=CAST('-Infinity' AS FLOAT8) THEN '-Infinity' ELSE 'NaN' END)`;
}

/** A time (or timetz, in UTC) on one fixed day, through TO_CHAR: `date + time` is a timestamp on both engines, `date + timetz` a timestamptz; 24:00:00 is the next day's midnight. */
const TIME_ON_DAY = `DATE '2000-01-01'`;
const timeText = (ref: string) => `TO_CHAR(${TIME_ON_DAY} + CAST(${ref} AS TIME), 'YYYY-MM-DD HH24:MI:SS.US')`;
const timetzText = (ref: string) => `TO_CHAR((${TIME_ON_DAY} + CAST(${ref} AS TIMETZ)) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;

/**
 * Each canonical form in each dialect: an expression of the column (`ref`, quoted), or, for
 * Redshift, why none is shown to give PostgreSQL's text. Why the pairs agree: integers print
 * digits and a sign on both; numeric plain notation on both, trailing fractional zeros cut; TO_CHAR
 * reads one pattern alike on both (US = microseconds), timestamptz taken AT TIME ZONE 'UTC'
 * first so no session zone counts; char(n) is compared blank-trimmed; a float by its exponent and
 * significand (floatText); a type Redshift
 * keeps as VARCHAR holds the text the stage wrote, which is the source's ::text.
 */
const CANONICAL_SQL: Record<CanonicalForm, { postgres(ref: string, c: TypedColumn): string; redshift: ((ref: string) => string) | string }> = {
  text: { postgres: (ref) => `(${ref})::text`, redshift: (ref) => `CAST(${ref} AS VARCHAR(${MAX_VARCHAR_BYTES}))` },
  // format('%s') is the output function, which COPY (and so the stage) writes; NULL stays NULL.
  output: { postgres: (ref) => `CASE WHEN ${ref} IS NOT NULL THEN format('%s', ${ref}) END`, redshift: (ref) => `CAST(${ref} AS VARCHAR(${MAX_VARCHAR_BYTES}))` },
  numeric: { postgres: (ref) => numericTrim(`(${ref})::text`), redshift: (ref) => numericTrim(`CAST(${ref} AS VARCHAR(${MAX_VARCHAR_BYTES}))`) },
  boolean: same(boolText),
  // PostgreSQL's date outlasts its timestamp, which TO_CHAR goes through; Redshift's DATE ends where both timestamps do.
  date: { postgres: (ref) => `CASE WHEN ${ref} <= DATE '294276-12-31' THEN TO_CHAR(${ref}, 'YYYY-MM-DD') END`, redshift: (ref) => `TO_CHAR(${ref}, 'YYYY-MM-DD')` },
  timestamp: same((ref) => `TO_CHAR(${ref}, 'YYYY-MM-DD HH24:MI:SS.US')`),
  utc: same((ref) => `TO_CHAR((${ref}) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`),
  bpchar: { postgres: (ref) => `RTRIM((${ref})::text, ' ')`, redshift: (ref) => `RTRIM(${ref}, ' ')` },
  float: same(floatText),
  time: same(timeText),
  timetz: same(timetzText),
  json: { postgres: (ref) => `(${ref})::jsonb::text`, redshift: "it is SUPER in Redshift, whose JSON text (JSON_SERIALIZE) is not jsonb's" },
  array: { postgres: (ref, c) => `(${arrayJson(arrayRef(c, ref))})::text`, redshift: "it is SUPER in Redshift, whose JSON text (JSON_SERIALIZE) is not PostgreSQL's" },
  // A PostGIS source prints hex EWKB; Redshift's GEOMETRY and GEOGRAPHY give it by ST_AsHexEWKB (a CDC target's VARCHAR: storedInRedshift).
  geometry: { postgres: (ref) => `(${ref})::text`, redshift: (ref) => `ST_AsHexEWKB(${ref})` },
};

/** Whether a column's Redshift canonical text depends on the type its target stores it as (storedInRedshift). */
export const dependsOnStoredType = (c: TypedColumn): boolean => canonicalForm(c) === 'geometry';

/**
 * A column as a Redshift target stores it (`dataType` as information_schema names it): a pull
 * target keeps a PostGIS value as GEOMETRY or GEOGRAPHY, a CDC target as VARCHAR holding the hex
 * EWKB Debezium sent, which is compared as that text.
 */
export function storedInRedshift(c: TypedColumn, dataType: string | undefined): TypedColumn {
  return dependsOnStoredType(c) && dataType === 'character varying' ? { name: c.name, type: 'text' } : c;
}

/** Why verify on Redshift cannot compare a row's type (null: it can); docs/types.md shows it. */
export function redshiftRowRefusal(row: TypeRow): string | null {
  const sql = CANONICAL_SQL[row.canonical].redshift;
  return typeof sql === 'string' ? sql : null;
}

/** Why verify on Redshift cannot compare a column (null: it can), from its row's canonical form. */
export const redshiftCanonicalRefusal = (c: TypedColumn): string | null => redshiftRowRefusal(redshiftRow(c).row);

/**
 * The SQL expression of a column's canonical text in a dialect: on a PostgreSQL server (a source
 * or a PostgreSQL warehouse) and on Redshift the same value gives the same text, so per-bucket
 * checksums of the two sides can be compared. `ref` is the column as the query names it (quoted).
 * NULL stays NULL (and so do infinities, which TO_CHAR does not print). Throws for a column
 * Redshift cannot compare: ask `redshiftCanonicalRefusal` first.
 */
export function canonicalText(c: TypedColumn, dialect: 'postgres' | 'redshift', ref: string): string {
  const sql = CANONICAL_SQL[canonicalForm(c)];
  if (dialect === 'postgres') return sql.postgres(ref, c);
  if (typeof sql.redshift === 'string') throw new Error(`column "${c.name}": ${sql.redshift}`);
  return sql.redshift(ref);
}

/** How a merge compares a column's old and new value (`ref` quoted): by value, or by text form where the type's equality is looser or missing. */
export function compareExpr(c: TypedColumn, ref: string): string {
  return rowOf(c.type).row.compare === 'text' ? `(${ref})::text` : ref;
}

/** How a Redshift merge compares a column's values (`ref` quoted): SUPER as serialized JSON, GEOMETRY and GEOGRAPHY as hex EWKB (neither has "="). */
export function redshiftCompareExpr(c: TypedColumn, ref: string): string {
  const form = canonicalForm(c);
  if (redshiftType(c).isSuper) return `JSON_SERIALIZE(${ref})`;
  return form === 'geometry' ? `ST_AsHexEWKB(${ref})` : ref;
}
