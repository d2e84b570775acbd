// A type name given by hand (CDC's `columnTypes`, for messages without JSON schemas): checked
// against the type map and rendered from it, never pasted, since it ends up in warehouse DDL. Pure.
import { formatPgType, parsePgType } from './parse.js';
import { warehouseColumnType, type TypedColumn } from './render.js';
import { typeRow } from './type-map.js';

/** Only time and timestamp take a zone suffix, after their precision. */
const ZONED = new Set(['time', 'timestamp']);

/** Other names of a type, as format_type prints it: a target's type is read back that way, and the type-change rule compares the two. */
const ALIASES: Record<string, string> = {
  int: 'integer', int4: 'integer', int2: 'smallint', int8: 'bigint', decimal: 'numeric', float4: 'real', float8: 'double precision',
  varchar: 'character varying', char: 'character', bool: 'boolean', varbit: 'bit varying',
};
/** Zoned types' short names: format_type spells out the zone. */
const ZONED_ALIASES: Record<string, string> = { timestamptz: 'timestamp', timetz: 'time' };
/** A length format_type prints where none is given: char and bit without one are one long. */
const DEFAULT_LENGTH = new Set(['character', 'bit']);

/** Why `type` is not a PostgreSQL column type the map knows, or undefined when it is. */
export function pgTypeProblem(type: string): string | undefined {
  const t = parsePgType(type);
  if (!t) return `expected a PostgreSQL type like "bigint", "numeric(12,2)", "timestamp(3) with time zone" or "text[]", got "${type}"`;
  const { base, mods, zone } = t;
  const row = typeRow(base);
  if (row === undefined) return `"${base}" is not a PostgreSQL type Tributary knows (built-in types, hstore, citext, ltree, geometry, geography); a domain or an enum is given as its base type or as text`;
  if (zone && !ZONED.has(base)) return `"${base}" takes no time zone`;
  if (mods === undefined) return undefined;
  const args = mods;
  const digits = (a: string | undefined, max: number) => a !== undefined && /^\d{1,8}$/.test(a) && Number(a) <= max;
  switch (row.modifiers) {
    case 'none':
      return `"${base}" takes no modifier, got "(${mods.join(',')})"`;
    case 'length':
      return args.length === 1 && digits(args[0], 10_485_760) && Number(args[0]) >= 1 ? undefined : `"${base}" takes one length, like ${base}(20)`;
    case 'precision':
      return args.length === 1 && digits(args[0], 6) ? undefined : `"${base}" takes one precision from 0 to 6`;
    case 'numeric':
      return args.length <= 2 && digits(args[0], 1000) && Number(args[0]) >= 1 && (args.length === 1 || /^-?\d{1,4}$/.test(args[1]!)) ? undefined : `"${base}" takes a precision from 1 to 1000 and a scale, like ${base}(12,2)`;
    case 'postgis':
      return args.length <= 2 && /^[a-z][a-z0-9]*$/.test(args[0]!) && (args.length === 1 || /^\d{1,6}$/.test(args[1]!)) ? undefined : `"${base}" takes a geometry type and an SRID, like ${base}(Point,4326)`;
  }
}

/**
 * A checked type as format_type prints it ("varchar(20)" is "character varying(20)", "timestamptz"
 * "timestamp with time zone", "numeric(10)" "numeric(10,0)", "integer[][]" "integer[]"): what the
 * warehouse DDL gets and what the target's type is compared with when a declared type changes.
 */
export function canonicalPgType(type: string): string {
  const problem = pgTypeProblem(type);
  if (problem) throw new Error(problem);
  const t = parsePgType(type)!;
  const zoned = ZONED_ALIASES[t.base];
  const base = zoned ?? ALIASES[t.base] ?? t.base;
  const zone = zoned ? 'with' : ZONED.has(base) ? (t.zone ?? 'without') : undefined;
  let mods = t.mods;
  if (mods === undefined && DEFAULT_LENGTH.has(base)) mods = ['1'];
  if (base === 'numeric' && mods?.length === 1) mods = [mods[0]!, '0'];
  return formatPgType({ base, mods: mods?.map((m) => (/^-?\d+$/.test(m) ? String(Number(m)) : m)), zone, dims: Math.min(t.dims, 1) });
}

/** The column a checked `columnTypes` entry stands for, its type rendered from the map (an extension's type as text, as pull keeps it). */
export function declaredColumn(name: string, type: string): TypedColumn {
  const problem = pgTypeProblem(type);
  if (problem) throw new Error(`column ${name}: ${problem}`);
  const t = parsePgType(canonicalPgType(type))!;
  const element = formatPgType({ ...t, dims: 0 });
  const rendered = warehouseColumnType({ declared: type, root: element, rootClass: 'b', rootBuiltin: typeRow(t.base)!.origin === 'built-in', array: t.dims > 0 });
  const source = formatPgType(t);
  return rendered === source ? { name, type: rendered } : { name, type: rendered, sourceType: source };
}
