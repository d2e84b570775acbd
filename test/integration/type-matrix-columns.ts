// The columns of the type matrix (type-matrix.test.ts): per column its declared type, the
// type-map row it stands for and the values of rows 1..4 (SQL literals, or null), and the source
// table made of them. docs/types.md names each row's columns from here.
import pg from 'pg';

const { escapeIdentifier: ident } = pg;

// Extensions live in their own schema so that no other test sees their tables and functions.
export const EXT = 'tributary_type_ext';

/** A column: its name, its declared type, the map row it stands for, and the values of rows 1..4 (SQL, or null). */
export type Col = [name: string, type: string, row: string, values: (string | null)[]];
const s = (v: string) => `'${v.replace(/'/g, "''")}'`;

/** The matrix, with its user-defined types named from `u`. */
export function matrixColumns(u: string) {
  const t = { year: `${u}_year`, rating: `${u}_rating`, pair: `${u}_pair`, floatrange: `${u}_floatrange` };
  const columns: Col[] = [
    ['c_int2', 'smallint', 'smallint', ['-32768', '32767', '0', null]],
    ['c_int4', 'integer', 'integer', ['-2147483648', '2147483647', '0', null]],
    ['c_int8', 'bigint', 'bigint', ['-9223372036854775808', '9223372036854775807', '0', null]],
    ['c_num', 'numeric', 'numeric(p,s)', [s('NaN'), s('Infinity'), s('-Infinity'), s('-12345678901234567890.123456789012345678901')]],
    ['c_num12', 'numeric(12,2)', 'numeric(p,s)', [s('-9999999999.99'), s('0.00'), null, s('1.5')]],
    ['c_num50', 'numeric(50,10)', 'numeric(p,s)', [s('1234567890123456789012345678901234567890.0123456789'), s('NaN'), s('-0.0000000001'), null]],
    ['c_real', 'real', 'real', [s('NaN'), s('Infinity'), s('-Infinity'), s('1.1754944e-38')]],
    ['c_float8', 'double precision', 'double precision', [s('NaN'), s('-Infinity'), s('1.7976931348623157e308'), s('5e-324')]],
    ['c_money', 'money', 'money', [s('-92233720368547758.08'), s('92233720368547758.07'), s('0'), null]],
    ['c_text', 'text', 'text', [s(''), s('unicode ✓ 日本語 🎉 ü'), s('line\nbreak, "quoted", back\\slash, tab\t'), null]],
    ['c_varchar', 'varchar(20)', 'varchar(n)', [s(''), s('naïve ✓'), s('x'.repeat(20)), null]],
    ['c_char', 'char(5)', 'char(n)', [s(''), s('ab'), s('äbcde'), null]],
    ['c_name', 'name', 'name', [s(''), s('ünïcode name'), s('n'.repeat(63)), null]],
    ['c_bytea', 'bytea', 'bytea', [s('\\x'), s('\\x00ff'), s('\\xdeadbeef00'), null]],
    ['c_bool', 'boolean', 'boolean', ['true', 'false', null, 'true']],
    ['c_date', 'date', 'date', [s('infinity'), s('-infinity'), s('4713-01-01 BC'), s('5874897-12-31')]],
    ['c_time0', 'time(0)', 'time(p)', [s('00:00:00'), s('23:59:59'), s('24:00:00'), null]],
    ['c_time', 'time', 'time(p)', [s('00:00:00'), s('23:59:59.999999'), s('12:34:56.5'), null]],
    ['c_timetz', 'timetz', 'timetz(p)', [s('00:00:00+1559'), s('23:59:59.999999-1559'), s('12:00:00+02'), null]],
    ['c_ts0', 'timestamp(0)', 'timestamp(p)', [s('infinity'), s('-infinity'), s('4713-01-01 00:00:00 BC'), s('294276-12-31 23:59:59')]],
    ['c_ts3', 'timestamp(3)', 'timestamp(p)', [s('2024-02-29 12:34:56.789'), s('1970-01-01'), null, s('infinity')]],
    ['c_ts', 'timestamp', 'timestamp(p)', [s('294276-12-31 23:59:59.999999'), s('4713-01-01 00:00:00 BC'), s('2000-01-01 00:00:00.000001'), null]],
    ['c_tstz', 'timestamptz', 'timestamptz(p)', [s('infinity'), s('-infinity'), s('2024-06-01 12:00:00.123456+05:30'), null]],
    ['c_tstz0', 'timestamp(0) with time zone', 'timestamptz(p)', [s('2024-06-01 12:00:00-08'), s('4713-01-01 00:00:00+00 BC'), s('294276-12-31 23:59:59+00'), null]],
    ['c_interval', 'interval', 'interval', [s('1 year 2 mons 3 days 04:05:06.789'), s('-178000000 years'), s('0'), s('-1 mons +2 days -00:00:00.000001')]],
    ['c_uuid', 'uuid', 'uuid', [s('00000000-0000-0000-0000-000000000000'), s('ffffffff-ffff-ffff-ffff-ffffffffffff'), null, s('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')]],
    ['c_json', 'json', 'json', [s('{"b":1,  "a":[1,2,{"x":null}], "b":2}'), s('[]'), s('"ü\\u00e9"'), s('12345678901234567890.12345678901234567890')]],
    ['c_jsonb', 'jsonb', 'jsonb', [s('{"b":1, "a":[1,2,{"x":null}], "b":2}'), s('{}'), s('"日本"'), s('1e400')]],
    ['c_xml', 'xml', 'xml', [s('<a b="1">ü &amp; ✓</a>'), s(''), s('text <b/> more'), null]],
    ['c_inet', 'inet', 'inet', [s('192.168.0.1/24'), s('::1'), s('2001:db8::ff00:42:8329/128'), null]],
    ['c_cidr', 'cidr', 'cidr', [s('10.0.0.0/8'), s('2001:db8::/32'), s('0.0.0.0/0'), null]],
    ['c_macaddr', 'macaddr', 'macaddr', [s('08:00:2b:01:02:03'), s('ff:ff:ff:ff:ff:ff'), null, s('00:00:00:00:00:00')]],
    ['c_macaddr8', 'macaddr8', 'macaddr8', [s('08:00:2b:01:02:03:04:05'), s('ff:ff:ff:ff:ff:ff:ff:ff'), null, s('00:00:00:00:00:00:00:00')]],
    ['c_bit', 'bit(3)', 'bit(n)', [s('101'), s('000'), s('111'), null]],
    ['c_varbit', 'varbit', 'varbit(n)', [s(''), s('1010101010'), s('0'), null]],
    ['c_tsvector', 'tsvector', 'tsvector', [s('a fat cat:1A,2B sat ünï'), s(''), s("'quoted''s' x:3"), null]],
    ['c_tsquery', 'tsquery', 'tsquery', [s('fat & (rat | !cat)'), s('ü:* <-> b'), s(''), null]],
    ['c_point', 'point', 'point', [s('(1.5,-2)'), s('(NaN,Infinity)'), s('(0,0)'), null]],
    ['c_line', 'line', 'line', [s('{1,2,3}'), s('{0,-1,0.5}'), null, s('{1,0,0}')]],
    ['c_lseg', 'lseg', 'lseg', [s('[(0,0),(1,1)]'), s('[(-1e300,2),(3,4)]'), null, s('[(0,0),(0,0)]')]],
    ['c_box', 'box', 'box', [s('(1,1),(0,0)'), s('(2,3),(-1,-1)'), null, s('(0,0),(0,0)')]],
    ['c_path', 'path', 'path', [s('[(0,0),(1,1),(2,0)]'), s('((0,0),(1,1))'), null, s('[(0,0)]')]],
    ['c_polygon', 'polygon', 'polygon', [s('((0,0),(1,1),(1,0))'), s('((0,0))'), null, s('((1e-10,2),(3,4),(5,6))')]],
    ['c_circle', 'circle', 'circle', [s('<(0,0),1>'), s('<(1.5,-2),0>'), null, s('<(1e300,1),1e300>')]],
    ['c_oid', 'oid', 'oid', ['0', '4294967295', null, '16384']],
    ['c_xid', 'xid', 'oid', [s('0'), s('4294967295'), null, s('3')]],
    ['c_regclass', 'regclass', 'reg* (regclass, regtype, ...)', [s('pg_class'), s('pg_catalog.pg_type'), null, s('information_schema.tables')]],
    ['c_regtype', 'regtype', 'reg* (regclass, regtype, ...)', [s('integer'), s('timestamp with time zone'), null, s('text[]')]],
    ['c_lsn', 'pg_lsn', 'pg_lsn', [s('0/0'), s('FFFFFFFF/FFFFFFFF'), s('16/B374D848'), null]],
    ['c_int4range', 'int4range', 'ranges (int4range, ..., daterange)', [s('[1,5)'), s('empty'), s('(,)'), null]],
    ['c_numrange', 'numrange', 'ranges (int4range, ..., daterange)', [s('[-1.5,Infinity)'), s('(,0]'), s('empty'), null]],
    ['c_tstzrange', 'tstzrange', 'ranges (int4range, ..., daterange)', [s('[2024-01-01 00:00+02,infinity)'), s('empty'), s('(-infinity,2024-01-01 00:00:00.5+00]'), null]],
    ['c_daterange', 'daterange', 'ranges (int4range, ..., daterange)', [s('[2024-01-01,2024-02-01)'), s('[-infinity,infinity]'), s('empty'), null]],
    ['c_int8mr', 'int8multirange', 'multiranges (int4multirange, ...)', [s('{}'), s('{[1,3),[5,7)}'), s('{(,)}'), null]],
    ['c_tsmr', 'tsmultirange', 'multiranges (int4multirange, ...)', [s('{[2024-01-01,2024-01-02),[2024-02-01,)}'), s('{}'), null, s('{[-infinity,infinity]}')]],
    ['c_hstore', `${EXT}.hstore`, 'hstore', [s('"a"=>"1", "b"=>NULL, "ü"=>"✓"'), s(''), s('"k"=>"quoted \\"v\\""'), null]],
    ['c_citext', `${EXT}.citext`, 'citext', [s('MiXeD ÜnïCode'), s(''), s('x'), null]],
    ['c_ltree', `${EXT}.ltree`, 'ltree', [s('a.b.c'), s(''), s('Top.Science_1.Astronomy'), null]],
    ['c_geometry', `${EXT}.geometry(Point,4326)`, 'geometry', [s('SRID=4326;POINT(1 2)'), s('SRID=4326;POINT EMPTY'), s('SRID=4326;POINT(-180 90.5)'), null]],
    ['c_geom_any', `${EXT}.geometry`, 'geometry', [s('LINESTRING(0 0,1 1,2 0)'), s('POLYGON((0 0,1 0,1 1,0 0))'), s('GEOMETRYCOLLECTION EMPTY'), null]],
    ['c_geography', `${EXT}.geography`, 'geography', [s('POINT(1 2)'), s('LINESTRING(0 0,10 10)'), null, s('POINT(-180 -90)')]],
    ['c_year', t.year, 'domain', ['1901', '2155', null, '2006']],
    ['c_rating', t.rating, 'enum', [s('G'), s('NC-17'), s('ünï ✓'), null]],
    ['c_pair', t.pair, 'composite', [s('(1,"a, b")'), s('(,)'), s('(-2147483648,"")'), null]],
    ['c_floatrange', t.floatrange, 'range or multirange of a user-defined type', [s('[1.5,2.5)'), s('empty'), s('(,Infinity]'), null]],
    ['c_int_arr', 'integer[]', 'array of any type above', [s('{{1,2},{3,NULL}}'), s('[0:1]={1,2}'), s('{}'), null]],
    ['c_text_arr', 'text[]', 'array of any type above', [s('{"a b",NULL,"",ü,"NULL","with \\"quote\\""}'), s('{}'), s('[-2:-1][3:3]={{x},{y}}'), null]],
    ['c_num_arr', 'numeric(10,2)[]', 'array of any type above', [s('{NaN,1.50,NULL,-99999999.99}'), s('{}'), null, s('{{1},{2}}')]],
    ['c_tstz_arr', 'timestamptz[]', 'array of any type above', [s('{infinity,"2024-01-01 10:00:00+02",NULL}'), s('{}'), null, s('[5:5]={-infinity}')]],
    ['c_bytea_arr', 'bytea[]', 'array of any type above', [s('{"\\\\x00ff",NULL,"\\\\x"}'), s('{}'), null, s('{}')]],
    ['c_json_arr', 'jsonb[]', 'array of any type above', [s('{"{\\"a\\": 1}",NULL,"[]"}'), s('{}'), null, s('{"\\"ü\\""}')]],
    ['c_enum_arr', `${t.rating}[]`, 'array of any type above', [s('{G,NULL,"ünï ✓"}'), s('{}'), null, s('[2:2]={G}')]],
    ['c_year_arr', `${t.year}[]`, 'array of any type above', [s('{1901,NULL}'), s('{}'), null, s('{{2000},{2001}}')]],
    ['c_hstore_arr', `${EXT}.hstore[]`, 'array of any type above', [s('{"\\"a\\"=>\\"1\\"",NULL}'), s('{}'), null, s('{""}')]],
    ['c_range_arr', 'int4range[]', 'array of any type above', [s('{"[1,2)",empty,NULL}'), s('{}'), null, s('{"(,)"}')]],
  ];
  return { columns, types: t };
}

type MatrixTypes = ReturnType<typeof matrixColumns>['types'];

/** The extensions (once per database), the user-defined types, and the table: rows 1..4 of the values, row 5 all NULL. */
export async function createMatrixTable(c: pg.Client, table: string, columns: Col[], t: MatrixTypes): Promise<void> {
  // Two test files may create the shared extensions at once; one lock orders them.
  await c.query('BEGIN');
  await c.query(`SELECT pg_advisory_xact_lock(hashtext('tributary type matrix extensions'))`);
  await c.query(`CREATE SCHEMA IF NOT EXISTS ${EXT}`);
  for (const e of ['hstore', 'citext', 'ltree', 'postgis']) await c.query(`CREATE EXTENSION IF NOT EXISTS ${e} SCHEMA ${EXT}`);
  await c.query('COMMIT');
  // Its CHECK stays at the source: the warehouse column is plain integer.
  await c.query(`CREATE DOMAIN public.${ident(t.year)} AS integer CHECK (VALUE >= 1901 AND VALUE <= 2155)`);
  await c.query(`CREATE TYPE public.${ident(t.rating)} AS ENUM ('G', 'NC-17', 'ünï ✓')`);
  await c.query(`CREATE TYPE public.${ident(t.pair)} AS (n integer, label text)`);
  await c.query(`CREATE TYPE public.${ident(t.floatrange)} AS RANGE (subtype = float8)`);
  const defs = columns.map(([name, type]) => `${ident(name)} ${type}`);
  await c.query(`CREATE TABLE public.${ident(table)} (id int PRIMARY KEY, ${defs.join(', ')}, updated_at timestamptz NOT NULL DEFAULT now() - interval '1 minute')`);
  for (let r = 0; r < 4; r++) {
    await c.query(`INSERT INTO public.${ident(table)} (id, ${columns.map(([n]) => ident(n)).join(', ')}) VALUES (${r + 1}, ${columns.map(([, type, , v]) => (v[r] == null ? 'NULL' : `(${v[r]})::${type}`)).join(', ')})`);
  }
  await c.query(`INSERT INTO public.${ident(table)} (id) VALUES (5)`);
}

export async function dropMatrixTable(c: pg.Client, table: string, t: MatrixTypes): Promise<void> {
  await c.query(`DROP TABLE IF EXISTS public.${ident(table)}`);
  for (const type of [t.rating, t.pair, t.floatrange]) await c.query(`DROP TYPE IF EXISTS public.${ident(type)}`);
  await c.query(`DROP DOMAIN IF EXISTS public.${ident(t.year)}`);
}
