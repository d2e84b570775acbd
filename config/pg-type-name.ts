// A source column type as format_type prints it, for CDC's `columnTypes` (messages without JSON
// schemas): parsed into a known base type, its modifiers and array brackets, never taken as
// free text, since it ends up in the warehouse's DDL. Pure.

/** Base types (built-in and the common extensions') and the modifiers each may carry. */
const BASES: Record<string, 'none' | 'length' | 'precision' | 'numeric' | 'postgis'> = {
  smallint: 'none', integer: 'none', bigint: 'none', int2: 'none', int4: 'none', int8: 'none', int: 'none',
  real: 'none', 'double precision': 'none', float4: 'none', float8: 'none',
  numeric: 'numeric', decimal: 'numeric', money: 'none',
  text: 'none', 'character varying': 'length', varchar: 'length', character: 'length', char: 'length', bpchar: 'length', name: 'none',
  bytea: 'none', boolean: 'none', bool: 'none',
  date: 'none', time: 'precision', timetz: 'precision', timestamp: 'precision', timestamptz: 'precision', interval: 'precision',
  uuid: 'none', json: 'none', jsonb: 'none', xml: 'none',
  inet: 'none', cidr: 'none', macaddr: 'none', macaddr8: 'none',
  bit: 'length', 'bit varying': 'length', varbit: 'length',
  tsvector: 'none', tsquery: 'none',
  point: 'none', line: 'none', lseg: 'none', box: 'none', path: 'none', polygon: 'none', circle: 'none',
  oid: 'none', pg_lsn: 'none',
  int4range: 'none', int8range: 'none', numrange: 'none', tsrange: 'none', tstzrange: 'none', daterange: 'none',
  int4multirange: 'none', int8multirange: 'none', nummultirange: 'none', tsmultirange: 'none', tstzmultirange: 'none', datemultirange: 'none',
  hstore: 'none', citext: 'none', ltree: 'none', geometry: 'postgis', geography: 'postgis',
};

/** Only time and timestamp take a zone suffix, after their precision. */
const ZONED = new Set(['time', 'timestamp']);

const SHAPE = /^([a-z][a-z0-9_]*(?: (?:precision|varying))?)(?:\(([^()]*)\))?( with(?:out)? time zone)?((?:\[\])*)$/;

/** Why `type` is not a PostgreSQL column type we know, or undefined when it is. */
export function pgTypeProblem(type: string): string | undefined {
  const m = SHAPE.exec(type.trim().toLowerCase().replace(/\s+/g, ' ').replace(/ \(/, '('));
  if (!m) return `expected a PostgreSQL type like "bigint", "numeric(12,2)", "timestamp(3) with time zone" or "text[]", got "${type}"`;
  const [, base, mods, zone] = m as unknown as [string, string, string | undefined, string | undefined];
  const kind = BASES[base];
  if (kind === undefined) return `"${base}" is not a PostgreSQL type Tributary knows (built-in types, hstore, citext, ltree, geometry, geography); a domain or an enum is given as its base type or as text`;
  if (zone && !ZONED.has(base)) return `"${base}" takes no time zone`;
  if (mods === undefined) return undefined;
  const args = mods.split(',').map((a) => a.trim());
  const digits = (a: string | undefined, max: number) => a !== undefined && /^\d{1,5}$/.test(a) && Number(a) <= max;
  switch (kind) {
    case 'none':
      return `"${base}" takes no modifier, got "(${mods})"`;
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
