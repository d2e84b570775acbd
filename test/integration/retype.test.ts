// A column retyped at the source: a wider type widens the target in place, so nothing is
// rounded; a type the target cannot take fails the run at once, naming the column.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { targetTable } from '../../config/resolve.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';
import { dropSchema } from './fact-fixture.js';
import { failureOf, startHarness, type Harness } from './harness.js';

const { escapeIdentifier: ident } = pg;
const tables = { amounts: uniqueName('amounts'), codes: uniqueName('codes') };
const fact = (name: string, table: string) => ({ name, kind: 'fact', source: 'app', table: `public.${table}`, key: ['id'], watermark: 'updated_at', regions: ['us'], options: { lagSeconds: 0 } });
const config = stackConfig([fact('amounts', tables.amounts), fact('codes', tables.codes)]);
const src = (sql: string) => withClient(STACK.source.us!, (c) => c.query(sql));
const wh = <T extends pg.QueryResultRow>(sql: string) => withClient(STACK.warehouse, async (c) => (await c.query<T>(sql)).rows);
let h: Harness;

beforeAll(async () => {
  await src(`CREATE TABLE public.${ident(tables.amounts)} (id int PRIMARY KEY, amount numeric(10,2), updated_at timestamptz NOT NULL DEFAULT now() - interval '1 minute')`);
  await src(`INSERT INTO public.${ident(tables.amounts)} (id, amount) SELECT g, g * 1.25 FROM generate_series(1, 5) g`);
  await src(`CREATE TABLE public.${ident(tables.codes)} (id int PRIMARY KEY, code integer, updated_at timestamptz NOT NULL DEFAULT now() - interval '1 minute')`);
  await src(`INSERT INTO public.${ident(tables.codes)} (id, code) VALUES (1, 10)`);
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

  it('to a type the target cannot take fails at once, naming the column and both types', async () => {
    await h.run('codes', 'us');
    await src(`ALTER TABLE public.${ident(tables.codes)} ALTER COLUMN code TYPE text`);
    await src(`UPDATE public.${ident(tables.codes)} SET code = 'A-10', updated_at = now() WHERE id = 1`);
    await new Promise((r) => setTimeout(r, 50));
    const msg = await failureOf(h.run('codes', 'us'));
    expect(msg).toContain('column code is text at the source');
    expect(msg).toContain('keeps it as integer, which cannot hold every value of it');
  });
});
