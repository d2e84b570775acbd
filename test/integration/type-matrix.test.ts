// The type matrix: a source table with a column of every type of the type map (types/type-map.ts),
// with NULLs, empty values, extremes, unicode, infinities and arrays with NULLs and other lower
// bounds, loaded as a fact and as a dimension into the PostgreSQL warehouse: per column, the
// source's and the warehouse's text forms (and canonical texts) are equal, and the warehouse
// column needs nothing the warehouse lacks. The Redshift staging select list runs on the source.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { targetTable } from '../../config/resolve.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';
import { dropSchema } from './fact-fixture.js';
import { startHarness, type Harness } from './harness.js';
import { tableColumns } from '../../activities/sources/postgres/columns.js';
import { stagedColumnsOptions, stagedSelectList } from '../../activities/sources/postgres/staged-columns.js';
import { REDSHIFT_CAPABILITIES } from '../../activities/warehouse/redshift/redshift-warehouse.js';
import { CLASS_ROWS, TYPE_ROWS } from '../../types/type-map.js';
import { rowOf } from '../../types/render.js';
import { createMatrixTable, dropMatrixTable, matrixColumns } from './type-matrix-columns.js';
import { textForms } from './type-matrix-forms.js';

const { escapeIdentifier: ident } = pg;
const table = uniqueName('type_matrix');
const { columns: COLUMNS, types: t } = matrixColumns(uniqueName('tm'));
// Extensions live in their own schema so that no other test sees their tables and functions.


const fact = { name: 'matrix_fact', kind: 'fact', source: 'app', table: `public.${table}`, target: `${table}_fact`, key: ['id'], watermark: 'updated_at', regions: ['us'], options: { lagSeconds: 0 } };
const dimension = { name: 'matrix_dimension', kind: 'dimension', source: 'app', table: `public.${table}`, target: `${table}_dim`, key: ['id'], regions: ['us'] };
const config = stackConfig([fact, dimension]);
const src = <T extends pg.QueryResultRow>(sql: string) => withClient(STACK.source.us!, async (c) => (await c.query<T>(sql)).rows);
const wh = <T extends pg.QueryResultRow>(sql: string) => withClient(STACK.warehouse, async (c) => (await c.query<T>(sql)).rows);
let h: Harness;

beforeAll(async () => {
  await withClient(STACK.source.us!, (c) => createMatrixTable(c, table, COLUMNS, t));
  h = await startHarness(config, ['us']);
});

afterAll(async () => {
  await h?.close();
  await withClient(STACK.source.us!, (c) => dropMatrixTable(c, table, t));
  await dropSchema(config.warehouse.schema);
});

describe('the type matrix', () => {
  it('has a column of every row of the type map', async () => {
    const titles = new Set(COLUMNS.map(([, , row]) => row));
    for (const r of [...TYPE_ROWS, ...Object.values(CLASS_ROWS).filter((r) => r !== CLASS_ROWS.other)]) expect(titles, r.title).toContain(r.title);
    // Each column's type is read as the row it stands for.
    const specs = await withClient(STACK.source.us!, (c) => tableColumns(c, 'public', table, 'test'));
    for (const [name, , title] of COLUMNS) {
      const spec = specs.find((x) => x.name === name)!;
      const { row } = rowOf(spec.sourceType ?? spec.type);
      if (TYPE_ROWS.some((r) => r.title === title) || title === CLASS_ROWS.array.title) expect(row.title, name).toBe(title);
    }
  });

  for (const pipeline of [fact, dimension]) {
    it(`loads every type as a ${pipeline.kind} with the source's text forms`, async () => {
      await h.run(pipeline.name, 'us');
      const [schema, target] = targetTable(config, config.pipelines.find((p) => p.name === pipeline.name)!);
      const source = await textForms(STACK.source.us!, 'public', table);
      const warehouse = await textForms(STACK.warehouse, schema, target);
      expect(Object.keys(warehouse).sort()).toEqual(Object.keys(source).sort());
      for (const [name] of COLUMNS) {
        expect(warehouse[name]!.text, `${name} text form`).toEqual(source[name]!.text);
        expect(warehouse[name]!.canonical, `${name} canonical text`).toEqual(source[name]!.canonical);
        // Not a comparison of NULLs only.
        expect(source[name]!.text.some((v) => v !== null), name).toBe(true);
      }
      // The warehouse columns are of types every warehouse has: built in, no domains.
      const foreign = await wh<{ attname: string; type: string }>(
        `SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
          WHERE a.attrelid = '${ident(schema)}.${ident(target)}'::regclass AND a.attnum > 0 AND (a.atttypid >= 16384 OR t.typtype = 'd')`,
      );
      expect(foreign).toEqual([]);
    });
  }

  it('updates a fact row whose values changed only where the type\'s equality does not look (box area, json spacing, interval units)', async () => {
    const [schema, target] = targetTable(config, config.pipelines.find((p) => p.name === fact.name)!);
    const change = async (set: string) => {
      await src(`UPDATE public.${ident(table)} SET ${set}, updated_at = now() WHERE id = 2`);
      await new Promise((r) => setTimeout(r, 50));
      expect(await h.run(fact.name, 'us'), set).toMatchObject({ updated: 1 });
      const source = await textForms(STACK.source.us!, 'public', table);
      const warehouse = await textForms(STACK.warehouse, schema, target);
      for (const name of ['c_box', 'c_json', 'c_interval']) expect(warehouse[name]!.text, name).toEqual(source[name]!.text);
    };
    await change(`c_interval = '1 day'`);
    // Same area, other corners; a JSON value with other spacing; '24:00:00' = '1 day' by interval's "=".
    await change(`c_box = '(3,2),(-1,-1)', c_json = '[ ]', c_interval = '24:00:00'`);
  });

  it('reads every type for a Redshift stage: arrays as JSON (text form when lower bounds are not 1), the rest as their text form', async () => {
    const specs = await withClient(STACK.source.us!, (c) => tableColumns(c, 'public', table, 'test'));
    const matrix = specs.filter((c) => c.name.startsWith('c_'));
    const rows = await src<Record<string, unknown>>(`SELECT ${stagedSelectList(matrix, stagedColumnsOptions(REDSHIFT_CAPABILITIES))} FROM public.${ident(table)} ORDER BY id`);
    const asText = (from: string) => `SELECT ${matrix.map((c) => `(${ident(c.name)})::text AS ${ident(c.name)}`).join(', ')} FROM ${from} ORDER BY id`;
    const plain = await src<Record<string, string | null>>(asText(`public.${ident(table)}`));
    // What COPY writes of the staged select list: each value's text form.
    const stagedText = await src<Record<string, string | null>>(asText(`(SELECT id, ${stagedSelectList(matrix, stagedColumnsOptions(REDSHIFT_CAPABILITIES))} FROM public.${ident(table)}) staged`));
    for (const col of matrix) {
      const { row } = rowOf(col.sourceType ?? col.type);
      rows.forEach((r, i) => {
        const staged = r[col.name];
        const text = plain[i]![col.name] ?? null;
        const at = `${col.name} row ${i + 1}`;
        if (text === null) return expect(staged, at).toBeNull();
        if (row === CLASS_ROWS.array) {
          // A JSON value: an array, or the text form as a string where lower bounds are not 1.
          if (text.startsWith('[')) expect(staged, at).toBe(text);
          else expect(Array.isArray(staged), `${at}: ${JSON.stringify(staged)}`).toBe(true);
        } else expect(stagedText[i]![col.name], at).toBe(text);
      });
    }
  });
});
