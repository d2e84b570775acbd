// Verify's canonical text in Redshift SQL, for every type of the type matrix that verify on
// Redshift compares: the matrix table on a source; a copy of it in the Redshift column types the
// type map gives (all of them PostgreSQL types too, for the types compared), loaded from the text
// the Redshift stage writes of each value (its output form, as COPY reads it); and per column and
// row, the Redshift expression over the copy equal to the source's expression over the source.
// The types Redshift does not compare are named, so a change to that list is a change to this test.
//
// What differs from Redshift: the Redshift SQL runs on PostgreSQL here. Its arithmetic on floats
// (LN, POWER, division by a power of two), `date + time`, `date + timetz`, TO_CHAR and
// ST_AsHexEWKB (PostGIS's, for a geography through its geometry: a one-line function here) are
// PostgreSQL's; docs/redshift.md lists what was not run against Redshift itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { tableColumns } from '../../activities/sources/postgres/columns.js';
import type { ColumnSpec } from '../../activities/specs/columns.js';
import { canonicalText, redshiftCanonicalRefusal, redshiftType, rowOf } from '../../types/render.js';
import { STACK, uniqueName, withClient } from './stack.js';
import { createMatrixTable, dropMatrixTable, EXT, matrixColumns } from './type-matrix-columns.js';

const { escapeIdentifier: ident } = pg;
const table = uniqueName('rs_canonical');
const copySchema = uniqueName('rs_canonical_copy');
const { columns: COLUMNS, types: t } = matrixColumns(uniqueName('rc'));
let matrix: ColumnSpec[] = [];

/**
 * Whether Redshift's column type holds a value (the type map's policy: a DATE or TIMESTAMP has no
 * infinities and ends in year 294276, a DECIMAL has no NaN, a VARCHAR quarantines what is longer).
 */
function holds(redshiftSql: string, ref: string): string {
  if (redshiftSql === 'DATE') return `(isfinite(${ref}) AND ${ref} <= DATE '294276-12-31')`;
  if (redshiftSql.startsWith('TIMESTAMP')) return `isfinite(${ref})`;
  if (redshiftSql.startsWith('DECIMAL')) return `(${ref})::text NOT IN ('NaN', 'Infinity', '-Infinity')`;
  const varchar = /^VARCHAR\((\d+)\)$/.exec(redshiftSql);
  if (varchar) return `octet_length(format('%s', ${ref})) <= ${varchar[1]}`;
  return 'true';
}

beforeAll(async () => {
  await withClient(STACK.source.us!, async (c) => {
    await createMatrixTable(c, table, COLUMNS, t);
    matrix = (await tableColumns(c, 'public', table, 'test')).filter((x) => x.name.startsWith('c_'));
  });
});

afterAll(async () => {
  await withClient(STACK.source.us!, async (c) => {
    await c.query(`DROP SCHEMA IF EXISTS ${ident(copySchema)} CASCADE`);
    await dropMatrixTable(c, table, t);
  });
});

describe("verify's canonical text in Redshift SQL", () => {
  it('refuses only the types kept in SUPER, naming why', () => {
    const refused = new Set(matrix.filter((c) => redshiftCanonicalRefusal(c) !== null).map((c) => rowOf(c.sourceType ?? c.type).row.title));
    expect([...refused].sort()).toEqual(['array of any type above', 'json', 'jsonb']);
  });

  it("equals the source's for every other column and row Redshift holds, over its column types loaded from the staged text", async () => {
    const compared = matrix.filter((c) => redshiftCanonicalRefusal(c) === null);
    const typed = compared.map((c) => ({ c, sql: redshiftType(c).sql }));
    await withClient(STACK.source.us!, async (c) => {
      await c.query(`SET TimeZone = 'America/Los_Angeles'`);
      await c.query(`CREATE SCHEMA ${ident(copySchema)}`);
      // GEOMETRY and GEOGRAPHY are PostGIS's here; Redshift's ST_AsHexEWKB takes a GEOGRAPHY too, PostGIS's through its geometry.
      await c.query(`SET search_path TO ${ident(copySchema)}, ${EXT}, public`);
      await c.query(`CREATE FUNCTION ${ident(copySchema)}.st_ashexewkb(g ${EXT}.geography) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT ${EXT}.ST_AsHexEWKB(g::${EXT}.geometry) $$`);
      await c.query(`CREATE TABLE ${ident(copySchema)}.copy (id int, ${typed.map(({ c: col, sql }) => `${ident(col.name)} ${sql}`).join(', ')})`);
      // format('%s') is the value's output form, which the stage writes and COPY reads into the
      // column's type; a value Redshift's type does not hold (its policy fails or quarantines the
      // row) is left NULL in the copy, and its row is not compared for that column. NULL is tested
      // on the text: a composite whose fields are all NULL is NULL to IS NULL, not to COPY.
      const staged = typed.map(({ c: col, sql }) => `(CASE WHEN (${ident(col.name)})::text IS NOT NULL AND ${holds(sql, ident(col.name))} THEN format('%s', ${ident(col.name)}) END)::${sql}`);
      await c.query(`INSERT INTO ${ident(copySchema)}.copy SELECT id, ${staged.join(', ')} FROM public.${ident(table)}`);
      for (const col of compared) {
        const ref = ident(col.name);
        const src = await c.query<{ v: string | null; held: boolean }>(`SELECT ${canonicalText(col, 'postgres', ref)} AS v, (${ref})::text IS NULL OR ${holds(redshiftType(col).sql, ref)} AS held FROM public.${ident(table)} ORDER BY id`);
        const dst = await c.query<{ v: string | null }>(`SELECT ${canonicalText(col, 'redshift', ref)} AS v FROM ${ident(copySchema)}.copy ORDER BY id`);
        const at = `${col.name} (${col.sourceType ?? col.type} as ${redshiftType(col).sql})`;
        const held = src.rows.map((r, i) => (r.held ? i : -1)).filter((i) => i >= 0);
        expect(held.map((i) => dst.rows[i]!.v), at).toEqual(held.map((i) => src.rows[i]!.v));
        expect(held.some((i) => src.rows[i]!.v !== null), at).toBe(true);
      }
    });
  });

  it('tells apart floats one unit in the last place apart, subnormals and both zeros, and NaN from the infinities', async () => {
    const values = ['0', '-0', '5e-324', '1e-323', '2.225073858507201e-308', '2.2250738585072014e-308', '0.1', '0.30000000000000004', '0.3', '1.7976931348623157e308', '-1.7976931348623157e308', 'NaN', 'Infinity', '-Infinity'];
    const text = canonicalText({ name: 'x', type: 'double precision' }, 'redshift', 'x');
    const rows = await withClient(STACK.source.us!, async (c) => (await c.query<{ t: string }>(
      `SELECT ${text} AS t FROM unnest($1::text[]) WITH ORDINALITY AS u(v, n), LATERAL (SELECT v::float8 AS x) f ORDER BY n`, [values])).rows);
    const texts = rows.map((r) => r.t);
    // Zero and minus zero are equal floats; every other pair differs, and so do their texts.
    expect(texts[0]).toBe(texts[1]);
    expect(new Set(texts.slice(1)).size).toBe(values.length - 1);
    expect(texts.slice(-3)).toEqual(['NaN', 'Infinity', '-Infinity']);
    expect(texts[2]).toBe('-1074 4503599627370496');
  });
});
