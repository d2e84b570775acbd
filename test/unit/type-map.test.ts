// The type map at the Redshift boundary: every row's DDL type and how its values are staged, the
// canonical text expressions, the PostgreSQL warehouse type of each class of source type, and
// `columnTypes` rendered from the map. What PostgreSQL runs of it is in type-matrix.test.ts.
import { describe, expect, it } from 'vitest';
import { CLASS_ROWS, TYPE_ROWS } from '../../types/type-map.js';
import { canonicalText, compareExpr, redshiftCanonicalRefusal, redshiftCompareExpr, redshiftStagedExpr, redshiftType, rowOf, sourceColumn, warehouseColumnType, type CatalogType } from '../../types/render.js';
import { declaredColumn, pgTypeProblem } from '../../types/type-name.js';
import { parsePgType } from '../../types/parse.js';
import { topicType } from '../../types/topic-type.js';
import { createTargetSqls, stageColumnsSql } from '../../activities/warehouse/redshift/merge-sql.js';
import type { MergeSpec } from '../../activities/specs/merge-specs.js';

const builtin = (root: string, array = false): CatalogType => ({ declared: root, root, rootClass: 'b', rootBuiltin: true, array });

describe('the Redshift type of every row', () => {
  it.each([
    ['smallint', 'SMALLINT'], ['integer', 'INTEGER'], ['bigint', 'BIGINT'],
    ['numeric(12,2)', 'DECIMAL(12,2)'], ['numeric(38,38)', 'DECIMAL(38,38)'], ['numeric(39,2)', 'VARCHAR(41)'], ['numeric(5,-2)', 'VARCHAR(8)'], ['numeric(3,5)', 'VARCHAR(8)'], ['numeric', 'VARCHAR(1000)'],
    ['real', 'REAL'], ['double precision', 'DOUBLE PRECISION'], ['money', 'VARCHAR(32)'],
    ['text', 'VARCHAR(65535)'], ['character varying(20)', 'VARCHAR(80)'], ['character(5)', 'VARCHAR(20)'], ['name', 'VARCHAR(256)'],
    ['bytea', 'VARCHAR(65535)'], ['boolean', 'BOOLEAN'], ['date', 'DATE'],
    ['time(3) without time zone', 'TIME'], ['time with time zone', 'TIMETZ'], ['timestamp(0) without time zone', 'TIMESTAMP'], ['timestamp with time zone', 'TIMESTAMPTZ'],
    ['interval', 'VARCHAR(100)'], ['uuid', 'VARCHAR(36)'], ['json', 'SUPER'], ['jsonb', 'SUPER'], ['xml', 'VARCHAR(65535)'],
    ['inet', 'VARCHAR(43)'], ['cidr', 'VARCHAR(43)'], ['macaddr', 'VARCHAR(17)'], ['macaddr8', 'VARCHAR(23)'], ['bit(3)', 'VARCHAR(3)'], ['bit varying', 'VARCHAR(65535)'],
    ['tsvector', 'VARCHAR(65535)'], ['tsquery', 'VARCHAR(65535)'], ['point', 'VARCHAR(65535)'], ['circle', 'VARCHAR(65535)'],
    ['oid', 'BIGINT'], ['regclass', 'VARCHAR(512)'], ['pg_lsn', 'VARCHAR(17)'], ['tstzrange', 'VARCHAR(65535)'], ['datemultirange', 'VARCHAR(65535)'],
    ['hstore', 'VARCHAR(65535)'], ['citext', 'VARCHAR(65535)'], ['ltree', 'VARCHAR(65535)'], ['geometry(Point,4326)', 'GEOMETRY'], ['geography', 'GEOGRAPHY'],
    ['integer[]', 'SUPER'], ['text[]', 'SUPER'],
  ])('%s -> %s', (pg, sql) => {
    expect(redshiftType(pg).sql).toBe(sql);
  });

  it('covers every row of the map', () => {
    for (const r of TYPE_ROWS) for (const n of r.names) expect(rowOf(n).row, n).toBe(r);
    // The zoned spellings format_type prints have the zoned rows.
    expect(rowOf('timestamp(3) with time zone').row.title).toBe('timestamptz(p)');
    expect(rowOf('time without time zone').row.title).toBe('time(p)');
    expect(rowOf('tributary.whatever').row).toBe(CLASS_ROWS.other);
  });

  it('reads a column kept as text by its source type (PostGIS, arrays of enums)', () => {
    expect(redshiftType({ name: 'g', type: 'text', sourceType: 'geometry(Point,4326)' }).sql).toBe('GEOMETRY');
    expect(redshiftType({ name: 'e', type: 'text', sourceType: 'mood' }).sql).toBe('VARCHAR(65535)');
    expect(redshiftType({ name: 'e', type: 'text[]', sourceType: 'mood[]' }).sql).toBe('SUPER');
  });
});

describe('the Redshift DDL', () => {
  it('renders the target and stage tables of discovered columns from the map', () => {
    const cols = [
      sourceColumn('id', builtin('integer')),
      sourceColumn('y', { declared: 'year', root: 'integer', rootClass: 'd', rootBuiltin: true, array: false }),
      sourceColumn('r', { declared: 'rating', root: 'rating', rootClass: 'e', rootBuiltin: false, array: false }),
      sourceColumn('g', { declared: 'geometry(Point,4326)', root: 'geometry(Point,4326)', rootClass: 'b', rootBuiltin: false, array: false }),
      sourceColumn('a', { declared: 'rating[]', root: 'rating', rootClass: 'e', rootBuiltin: false, array: true }),
      sourceColumn('n', builtin('numeric(12,2)')),
    ];
    const spec: MergeSpec = { schema: 'analytics', table: 'films', columns: cols, stagedColumns: cols, key: ['id'], mode: { kind: 'upsert', version: 'n' } };
    const [ddl] = createTargetSqls(spec, []);
    expect(ddl).toContain('"y" INTEGER, "r" VARCHAR(65535), "g" GEOMETRY, "a" SUPER, "n" DECIMAL(12,2)');
    expect(stageColumnsSql(spec)).toBe('c0 INTEGER, c1 INTEGER, c2 VARCHAR(65535), c3 GEOMETRY, c4 SUPER, c5 DECIMAL(12,2)');
  });
});

describe('the Redshift staging', () => {
  it('reads arrays as JSON unless their lower bounds are not 1, arrays of text-kept types as text[], the rest as is', () => {
    expect(redshiftStagedExpr({ name: 'b', type: 'bytea' }, '"b"')).toBe('"b"');
    expect(redshiftStagedExpr({ name: 'a', type: 'integer[]' }, '"a"')).toBe(`CASE WHEN array_dims("a") IS NULL OR array_dims("a") ~ '^(\\[1:[0-9]+\\])+$' THEN array_to_json("a") ELSE to_json("a"::text) END AS "a"`);
    expect(redshiftStagedExpr({ name: 'a', type: 'text[]', sourceType: 'hstore[]' }, '"a"')).toContain(`array_to_json(("a")::text[])`);
    expect(redshiftStagedExpr({ name: 'g', type: 'text', sourceType: 'geometry' }, '"g"')).toBe('"g"');
  });
});

describe('canonical text', () => {
  it.each([
    [{ name: 'i', type: 'bigint' }, '("i")::text', 'CAST("i" AS VARCHAR(65535))'],
    [{ name: 'n', type: 'numeric(12,2)' }, `CASE WHEN POSITION('.' IN ("n")::text) > 0 THEN RTRIM(RTRIM(("n")::text, '0'), '.') ELSE ("n")::text END`, `CASE WHEN POSITION('.' IN CAST("n" AS VARCHAR(65535))) > 0 THEN RTRIM(RTRIM(CAST("n" AS VARCHAR(65535)), '0'), '.') ELSE CAST("n" AS VARCHAR(65535)) END`],
    [{ name: 'b', type: 'boolean' }, `CASE WHEN "b" THEN 't' WHEN NOT "b" THEN 'f' END`, `CASE WHEN "b" THEN 't' WHEN NOT "b" THEN 'f' END`],
    [{ name: 'y', type: 'bytea' }, '("y")::text', 'CAST("y" AS VARCHAR(65535))'],
    [{ name: 'd', type: 'date' }, `CASE WHEN "d" <= DATE '294276-12-31' THEN TO_CHAR("d", 'YYYY-MM-DD') END`, `TO_CHAR("d", 'YYYY-MM-DD')`],
    [{ name: 's', type: 'timestamp(6) without time zone' }, `TO_CHAR("s", 'YYYY-MM-DD HH24:MI:SS.US')`, `TO_CHAR("s", 'YYYY-MM-DD HH24:MI:SS.US')`],
    [{ name: 't', type: 'timestamp(3) with time zone' }, `TO_CHAR(("t") AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`, `TO_CHAR(("t") AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`],
    [{ name: 'c', type: 'character(5)' }, `RTRIM(("c")::text, ' ')`, `RTRIM("c", ' ')`],
    [{ name: 'r', type: 'text', sourceType: 'mpaa_rating' }, '("r")::text', 'CAST("r" AS VARCHAR(65535))'],
    [{ name: 'g', type: 'text', sourceType: 'geometry(Point,4326)' }, '("g")::text', 'ST_AsHexEWKB("g")'],
    [{ name: 'm', type: 'time(3) without time zone' }, `TO_CHAR(DATE '2000-01-01' + CAST("m" AS TIME), 'YYYY-MM-DD HH24:MI:SS.US')`, `TO_CHAR(DATE '2000-01-01' + CAST("m" AS TIME), 'YYYY-MM-DD HH24:MI:SS.US')`],
    [{ name: 'h', type: 'time with time zone' }, `TO_CHAR((DATE '2000-01-01' + CAST("h" AS TIMETZ)) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`, `TO_CHAR((DATE '2000-01-01' + CAST("h" AS TIMETZ)) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`],
  ])('%o', (c, pg, rs) => {
    expect(canonicalText(c, 'postgres', `"${c.name}"`)).toBe(pg);
    expect(canonicalText(c, 'redshift', `"${c.name}"`)).toBe(rs);
    expect(redshiftCanonicalRefusal(c)).toBeNull();
  });

  it('writes a float as one SQL text for both engines, from exact arithmetic on its exponent and significand', () => {
    for (const c of [{ name: 'f', type: 'double precision' }, { name: 'r', type: 'real' }]) {
      const sql = canonicalText(c, 'postgres', `"${c.name}"`);
      expect(canonicalText(c, 'redshift', `"${c.name}"`)).toBe(sql);
      expect(sql).toContain(`POWER(2,`);
      expect(sql).toContain(`CAST("${c.name}" AS FLOAT8)`);
      expect(redshiftCanonicalRefusal(c)).toBeNull();
    }
  });

  it.each([
    [{ name: 'j', type: 'json' }, '("j")::jsonb::text', /SUPER/],
    [{ name: 'a', type: 'integer[]' }, `(CASE WHEN array_dims("a") IS NULL OR array_dims("a") ~ '^(\\[1:[0-9]+\\])+$' THEN array_to_json("a") ELSE to_json("a"::text) END)::text`, /SUPER/],
  ])('%o has a PostgreSQL form and none on Redshift', (c, pg, why) => {
    expect(canonicalText(c, 'postgres', `"${c.name}"`)).toBe(pg);
    expect(redshiftCanonicalRefusal(c)).toMatch(why);
    expect(() => canonicalText(c, 'redshift', `"${c.name}"`)).toThrow(why);
  });

});

describe('the PostgreSQL warehouse type', () => {
  it('keeps built-in types, a domain\'s base, and text for what the warehouse may lack', () => {
    expect(warehouseColumnType(builtin('numeric(12,2)'))).toBe('numeric(12,2)');
    expect(warehouseColumnType(builtin('timestamp(3) with time zone', true))).toBe('timestamp(3) with time zone[]');
    expect(sourceColumn('y', { declared: 'year', root: 'integer', rootClass: 'b', rootBuiltin: true, array: false })).toEqual({ name: 'y', type: 'integer' });
    expect(sourceColumn('r', { declared: 'mpaa_rating', root: 'mpaa_rating', rootClass: 'e', rootBuiltin: false, array: false })).toEqual({ name: 'r', type: 'text', sourceType: 'mpaa_rating' });
    expect(sourceColumn('p', { declared: 'pair[]', root: 'pair', rootClass: 'c', rootBuiltin: false, array: true })).toEqual({ name: 'p', type: 'text[]', sourceType: 'pair[]' });
    expect(sourceColumn('f', { declared: 'floatrange', root: 'floatrange', rootClass: 'r', rootBuiltin: false, array: false }).type).toBe('text');
    expect(sourceColumn('h', { declared: 'hstore', root: 'hstore', rootClass: 'b', rootBuiltin: false, array: false })).toEqual({ name: 'h', type: 'text', sourceType: 'hstore' });
    expect(sourceColumn('g', { declared: 'geometry(Point,4326)', root: 'geometry(Point,4326)', rootClass: 'b', rootBuiltin: false, array: false }).type).toBe('text');
    expect(sourceColumn('o', builtin('regclass')).type).toBe('text');
    expect(sourceColumn('x', { declared: 'x', root: 'vector(3)', rootClass: 'b', rootBuiltin: false, array: false }).type).toBe('text');
  });

  it('is compared by text in merges where the type\'s equality is looser than its text', () => {
    expect(compareExpr({ name: 'n', type: 'numeric(12,2)' }, 't."n"')).toBe('(t."n")::text');
    expect(compareExpr({ name: 'j', type: 'json' }, 't."j"')).toBe('(t."j")::text');
    expect(compareExpr({ name: 'a', type: 'integer[]' }, 't."a"')).toBe('(t."a")::text');
    expect(compareExpr({ name: 'i', type: 'bigint' }, 't."i"')).toBe('t."i"');
    // Redshift: SUPER and GEOMETRY have no "=".
    expect(redshiftCompareExpr({ name: 'j', type: 'jsonb' }, 't."j"')).toBe('JSON_SERIALIZE(t."j")');
    expect(redshiftCompareExpr({ name: 'a', type: 'text[]', sourceType: 'mood[]' }, 't."a"')).toBe('JSON_SERIALIZE(t."a")');
    expect(redshiftCompareExpr({ name: 'g', type: 'text', sourceType: 'geography' }, 't."g"')).toBe('ST_AsHexEWKB(t."g")');
    expect(redshiftCompareExpr({ name: 'n', type: 'numeric(12,2)' }, 't."n"')).toBe('t."n"');
  });
});

describe('topic columns', () => {
  it('are of types the map keeps as they are in the PostgreSQL warehouse', () => {
    const types = ['text', 'varchar(200)', 'char(3)', 'smallint', 'integer', 'bigint', 'numeric', 'numeric(14,4)', 'double', 'boolean', 'date', 'time(3)', 'timestamp(3)', 'timestamptz(3)', 'jsonb', 'bit(8)', 'varbit(8)'];
    for (const type of types.map((t) => topicType(t).pg)) {
      const { row } = rowOf(type);
      expect(TYPE_ROWS, type).toContain(row);
      expect(row.postgres, type).toBe('same');
    }
  });
});

describe('columnTypes', () => {
  it('are checked against the map and rendered from it', () => {
    expect(declaredColumn('a', 'NUMERIC (12, 2)')).toEqual({ name: 'a', type: 'numeric(12,2)' });
    expect(declaredColumn('b', 'timestamp(3) with time zone')).toEqual({ name: 'b', type: 'timestamp(3) with time zone' });
    expect(declaredColumn('c', 'hstore')).toEqual({ name: 'c', type: 'text', sourceType: 'hstore' });
    expect(declaredColumn('d', 'geometry(Point,4326)[]')).toEqual({ name: 'd', type: 'text[]', sourceType: 'geometry(point,4326)[]' });
    expect(declaredColumn('e', 'text[][]')).toEqual({ name: 'e', type: 'text[]' });
    expect(() => declaredColumn('f', 'bigint default pg_sleep(30)')).toThrow(/column f: expected a PostgreSQL type like/);
    expect(pgTypeProblem('year')).toMatch(/a domain or an enum is given as its base type or as text/);
    expect(parsePgType('character varying(20)[]')).toEqual({ base: 'character varying', mods: ['20'], zone: undefined, dims: 1 });
  });
});
