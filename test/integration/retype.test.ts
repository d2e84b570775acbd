// A column retyped at the source: a wider type widens the target in place, so nothing is
// rounded; a type no type holds both sides of, or any change under onTypeChange: fail, fails the
// run at once, naming the column and both types.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { targetTable } from '../../config/resolve.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';
import { dropSchema } from './fact-fixture.js';
import { failureOf, startHarness, type Harness } from './harness.js';

const { escapeIdentifier: ident } = pg;
const tables = { amounts: uniqueName('amounts'), codes: uniqueName('codes'), strict: uniqueName('strict'), flags: uniqueName('flags') };
const fact = (name: string, table: string, options: Record<string, unknown> = {}) => ({ name, kind: 'fact', source: 'app', table: `public.${table}`, key: ['id'], watermark: 'updated_at', regions: ['us'], options: { lagSeconds: 0, ...options } });
const config = stackConfig([fact('amounts', tables.amounts), fact('codes', tables.codes), fact('strict', tables.strict, { onTypeChange: 'fail' }), fact('flags', tables.flags)]);
const src = (sql: string) => withClient(STACK.source.us!, (c) => c.query(sql));
const wh = <T extends pg.QueryResultRow>(sql: string) => withClient(STACK.warehouse, async (c) => (await c.query<T>(sql)).rows);
let h: Harness;

beforeAll(async () => {
  await src(`CREATE TABLE public.${ident(tables.amounts)} (id int PRIMARY KEY, amount numeric(10,2), updated_at timestamptz NOT NULL DEFAULT now() - interval '1 minute')`);
  await src(`INSERT INTO public.${ident(tables.amounts)} (id, amount) SELECT g, g * 1.25 FROM generate_series(1, 5) g`);
  await src(`CREATE TABLE public.${ident(tables.codes)} (id int PRIMARY KEY, code integer, updated_at timestamptz NOT NULL DEFAULT now() - interval '1 minute')`);
  await src(`INSERT INTO public.${ident(tables.codes)} (id, code) VALUES (1, 10)`);
  await src(`CREATE TABLE public.${ident(tables.strict)} (id int PRIMARY KEY, amount numeric(10,2), updated_at timestamptz NOT NULL DEFAULT now() - interval '1 minute')`);
  await src(`INSERT INTO public.${ident(tables.strict)} (id, amount) VALUES (1, 1.25)`);
  await src(`CREATE TABLE public.${ident(tables.flags)} (id int PRIMARY KEY, flag integer, updated_at timestamptz NOT NULL DEFAULT now() - interval '1 minute')`);
  await src(`INSERT INTO public.${ident(tables.flags)} (id, flag) VALUES (1, 1)`);
  h = await startHarness(config, ['us']);
});

afterAll(async () => {
  await h?.close();
  for (const t of Object.values(tables)) await src(`DROP TABLE IF EXISTS public.${ident(t)}`);
  await dropSchema(config.warehouse.schema);
});

describe('a column retyped at the source', () => {
  it('to a wider numeric widens the target: the new digits arrive unrounded', async () => {
    await h.run('amounts', 'us');
    await src(`ALTER TABLE public.${ident(tables.amounts)} ALTER COLUMN amount TYPE numeric(14,4)`);
    await src(`UPDATE public.${ident(tables.amounts)} SET amount = 123456.7891, updated_at = now() WHERE id = 1`);
    await new Promise((r) => setTimeout(r, 50));
    expect(await h.run('amounts', 'us')).toMatchObject({ updated: 1 });
    const [schema, table] = targetTable(config, config.pipelines[0]!);
    const rows = await wh<{ amount: string; type: string }>(
      `SELECT amount::text, format_type(a.atttypid, a.atttypmod) AS type FROM ${ident(schema)}.${ident(table)} t, pg_attribute a
        WHERE a.attrelid = '${ident(schema)}.${ident(table)}'::regclass AND a.attname = 'amount' AND t.id = 1`,
    );
    expect(rows).toEqual([{ amount: '123456.7891', type: 'numeric(14,4)' }]);
  });

  it('to text widens the target to text', async () => {
    await h.run('codes', 'us');
    await src(`ALTER TABLE public.${ident(tables.codes)} ALTER COLUMN code TYPE text`);
    await src(`UPDATE public.${ident(tables.codes)} SET code = 'A-10', updated_at = now() WHERE id = 1`);
    await new Promise((r) => setTimeout(r, 50));
    expect(await h.run('codes', 'us')).toMatchObject({ updated: 1 });
    const [schema, table] = targetTable(config, config.pipelines[1]!);
    const rows = await wh<{ code: string; type: string }>(
      `SELECT code, format_type(a.atttypid, a.atttypmod) AS type FROM ${ident(schema)}.${ident(table)} t, pg_attribute a
        WHERE a.attrelid = '${ident(schema)}.${ident(table)}'::regclass AND a.attname = 'code' AND t.id = 1`,
    );
    expect(rows).toEqual([{ code: 'A-10', type: 'text' }]);
  });

  it('to a type no type holds both sides of fails at once, naming the column and both types', async () => {
    await h.run('flags', 'us');
    await src(`ALTER TABLE public.${ident(tables.flags)} ALTER COLUMN flag TYPE boolean USING flag <> 0`);
    await src(`UPDATE public.${ident(tables.flags)} SET updated_at = now() WHERE id = 1`);
    await new Promise((r) => setTimeout(r, 50));
    const [schema, table] = targetTable(config, config.pipelines[3]!);
    const msg = await failureOf(h.run('flags', 'us'));
    expect(msg).toContain(`pipeline flags, region us, source app/us, table ${schema}.${table}: column flag is boolean at the source`);
    expect(msg).toContain('keeps it as integer, which cannot hold every value of it, and no type holds both');
  });

  it('under onTypeChange: fail refuses even a widening, naming the column and both types, and leaves the target as it was', async () => {
    await h.run('strict', 'us');
    await src(`ALTER TABLE public.${ident(tables.strict)} ALTER COLUMN amount TYPE numeric(14,4)`);
    await src(`UPDATE public.${ident(tables.strict)} SET amount = 123456.7891, updated_at = now() WHERE id = 1`);
    await new Promise((r) => setTimeout(r, 50));
    const msg = await failureOf(h.run('strict', 'us'));
    expect(msg).toContain('column amount is numeric(14,4) at the source, but the target keeps it as numeric(10,2)');
    expect(msg).toContain(`onTypeChange policy is "fail"`);
    const [schema, table] = targetTable(config, config.pipelines[2]!);
    expect(await wh(`SELECT amount::text FROM ${ident(schema)}.${ident(table)}`)).toEqual([{ amount: '1.25' }]);
  });
});
