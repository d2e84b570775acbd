// PostgreSQL pulls at their edges: awkward values round-trip exactly, lineage and checkpoints
// per source, schema evolution policies, and bad input refused before anything is written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { targetTable } from '../../config/resolve.js';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';
import { dropSchema } from './fact-fixture.js';
import { failureOf, startHarness, type Harness } from './harness.js';
import { createStage } from '../../activities/stage/index.js';

const { escapeIdentifier: ident } = pg;
const t = {
  awkward: uniqueName('awkward'),
  awkwardCsv: uniqueName('awkward_csv'),
  evolve: uniqueName('evolve'),
  strict: uniqueName('strict'),
  nokey: uniqueName('nokey'),
  nulls: uniqueName('nulls'),
};
const fact = (name: string, table: string, extra: Record<string, unknown> = {}) => ({
  name,
  kind: 'fact',
  source: 'app',
  table: `public.${table}`,
  key: ['id'],
  watermark: 'updated_at',
  ...extra,
  options: { lagSeconds: 0, ...((extra.options as object) ?? {}) },
});
/** A type the user defined (on the source and, by hand, in the warehouse): its table is staged as CSV, not binary. */
const MOOD = uniqueName('mood');
const config = stackConfig([
  fact('awkward', t.awkward),
  fact('awkward_csv', t.awkwardCsv),
  fact('evolve', t.evolve),
  fact('strict', t.strict, { options: { onNewColumn: 'fail' } }),
  fact('nokey', t.nokey),
  fact('nulls', t.nulls),
  fact('missing', 'no_such_table'),
  // Its own target: two pipelines may not write one table (the config refuses it).
  fact('badkey', t.awkward, { key: ['no_such_column'], target: `${t.awkward}_badkey` }),
]);
let h: Harness;

const AWKWARD_COLUMNS = ['id', 'n', 'big', 'd', 'tm', 'ts', 'tz', 'j', 'arr', 'tags', 'u', 'b', 'flag', 't', 'updated_at'];

beforeAll(async () => {
  for (const url of Object.values(STACK.source)) {
    await withClient(url, async (c) => {
      await c.query(`CREATE TABLE public.${ident(t.awkward)} (
        id bigint PRIMARY KEY, n numeric(38,10), big numeric, d date, tm time, ts timestamp, tz timestamptz, j jsonb,
        arr int[], tags text[], u uuid, b bytea, flag boolean, t text, updated_at timestamptz NOT NULL DEFAULT now())`);
      await c.query(`INSERT INTO public.${ident(t.awkward)} (id, n, big, d, tm, ts, tz, j, arr, tags, u, b, flag, t) VALUES
        (1, 1234567890123456789012345678.0123456789, 1e40, '0001-01-01', '23:59:59.999999', '2026-02-28 12:00:00.123456', '1999-12-31 23:59:59.999999+05:30',
         '{"a": [1, 2.50, null], "é": "\\u00e9 escaped"}', '{1,NULL,3}', '{"a,b","c\\"d",NULL,""}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
         '\\x00ff0a0d09', true, E'tab\\there\\nnewline \\\\ backslash "quote" ''single'' , comma ✓ 漢字 😀'),
        (2, -0.0000000001, 'NaN', 'infinity', '00:00', '-infinity', 'infinity', 'null', '{}', '{}', NULL, '', false, ''),
        (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (4, 0, 0, '2026-11-27', '12:34:56', '2026-11-27 00:00', '2026-11-27 00:00+00', '"just a string"', '{{1,2},{3,4}}', '{"\\\\N"}', NULL, '\\x5c4e', NULL, '\\N')`);
      await c.query(`CREATE TYPE public.${ident(MOOD)} AS ENUM ('ok', 'meh')`);
      await c.query(`CREATE TABLE public.${ident(t.awkwardCsv)} (LIKE public.${ident(t.awkward)} INCLUDING ALL, mood public.${ident(MOOD)})`);
      await c.query(`INSERT INTO public.${ident(t.awkwardCsv)} SELECT *, CASE WHEN id % 2 = 0 THEN 'meh'::public.${ident(MOOD)} END FROM public.${ident(t.awkward)}`);
      await c.query(`CREATE TABLE public.${ident(t.evolve)} (id int PRIMARY KEY, a text, updated_at timestamptz NOT NULL DEFAULT now())`);
      await c.query(`INSERT INTO public.${ident(t.evolve)} VALUES (1, 'one'), (2, 'two')`);
      await c.query(`CREATE TABLE public.${ident(t.strict)} (LIKE public.${ident(t.evolve)} INCLUDING ALL)`);
      await c.query(`INSERT INTO public.${ident(t.strict)} VALUES (1, 'one')`);
      await c.query(`CREATE TABLE public.${ident(t.nokey)} (id int, updated_at timestamptz NOT NULL DEFAULT now())`);
      await c.query(`INSERT INTO public.${ident(t.nokey)} VALUES (1), (2), (1)`);
      await c.query(`CREATE TABLE public.${ident(t.nulls)} (id int PRIMARY KEY, updated_at timestamptz)`);
      await c.query(`INSERT INTO public.${ident(t.nulls)} VALUES (1, now()), (2, NULL)`);
    });
  }
  await withClient(STACK.warehouse, (c) => c.query(`CREATE TYPE public.${ident(MOOD)} AS ENUM ('ok', 'meh')`));
  h = await startHarness(config, ['us', 'eu']);
});

afterAll(async () => {
  await h?.close();
  for (const url of Object.values(STACK.source)) {
    await withClient(url, async (c) => {
      for (const table of Object.values(t)) await c.query(`DROP TABLE IF EXISTS public.${ident(table)}`);
    });
  }
  await dropSchema(config.warehouse.schema);
  for (const url of [...Object.values(STACK.source), STACK.warehouse]) await withClient(url, (c) => c.query(`DROP TYPE IF EXISTS public.${ident(MOOD)}`));
});

const target = (name: string) => targetTable(config, config.pipelines.find((p) => p.name === name)!);

describe('postgres pulls', () => {
  it('round-trips awkward values byte for byte, with the same types', async () => {
    await h.run('awkward', 'us');
    const src = await withClient(STACK.source.us!, (c) => tableChecksum(c, ['public', t.awkward], ['id'], AWKWARD_COLUMNS));
    const dst = await withClient(STACK.warehouse, (c) => tableChecksum(c, target('awkward'), ['id'], AWKWARD_COLUMNS, 'us'));
    expect(dst).toEqual(src);
    const types = async (url: string, schema: string, table: string) =>
      withClient(url, async (c) =>
        (
          await c.query<{ name: string; type: string }>(
            `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
              WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE '\\_%' ORDER BY attnum`,
            [`${ident(schema)}.${ident(table)}`],
          )
        ).rows,
      );
    expect(await types(STACK.warehouse, ...target('awkward'))).toEqual(await types(STACK.source.us!, 'public', t.awkward));
    const row = await withClient(STACK.warehouse, (c) =>
      c.query<{ t: string; e: string; nul: boolean }>(
        `SELECT (SELECT t FROM ${ident(target('awkward')[0])}.${ident(target('awkward')[1])} WHERE id = 1) AS t,
                (SELECT t FROM ${ident(target('awkward')[0])}.${ident(target('awkward')[1])} WHERE id = 2) AS e,
                (SELECT t IS NULL FROM ${ident(target('awkward')[0])}.${ident(target('awkward')[1])} WHERE id = 3) AS nul`,
      ),
    );
    expect(row.rows[0]).toEqual({ t: `tab\there\nnewline \\ backslash "quote" 'single' , comma ✓ 漢字 😀`, e: '', nul: true });
  });

  it('round-trips the same values through CSV when a column has a user-defined type (binary COPY needs built-in types)', async () => {
    const result = await h.run('awkward_csv', 'us');
    expect(result).toMatchObject({ rowsStaged: 4, inserted: 4 });
    const columns = [...AWKWARD_COLUMNS, 'mood'];
    const src = await withClient(STACK.source.us!, (c) => tableChecksum(c, ['public', t.awkwardCsv], ['id'], columns));
    const dst = await withClient(STACK.warehouse, (c) => tableChecksum(c, target('awkward_csv'), ['id'], columns, 'us'));
    expect(dst).toEqual(src);
    const stage = createStage(config.stage);
    const staged = await stage.list('awkward_csv/us/');
    expect(staged.length).toBeGreaterThan(0);
    expect(staged.every((k) => k.endsWith('.csv.gz'))).toBe(true);
    expect((await stage.list('awkward/us/')).every((k) => k.endsWith('.bin.gz'))).toBe(true);
  });

  it('lands one table from both regions in one target, with lineage and a checkpoint per source', async () => {
    await h.run('awkward', 'eu');
    const [schema, table] = target('awkward');
    const lineage = await withClient(STACK.warehouse, (c) =>
      c.query(`SELECT _source, _region, count(*)::int AS n, count(DISTINCT _batch_id)::int AS batches, bool_and(_loaded_at >= _extracted_at) AS ordered
                 FROM ${ident(schema)}.${ident(table)} GROUP BY 1, 2 ORDER BY 1`),
    );
    expect(lineage.rows).toEqual([
      { _source: 'app/eu', _region: 'eu', n: 4, batches: 1, ordered: true },
      { _source: 'app/us', _region: 'us', n: 4, batches: 1, ordered: true },
    ]);
    const checkpoints = await withClient(STACK.warehouse, (c) =>
      c.query(`SELECT source, region, stream FROM ${ident(schema)}.tributary_checkpoints WHERE pipeline = 'awkward' ORDER BY source, stream`),
    );
    // Per source: the checkpoint, and the record of the plan that set it (docs/watermarks.md).
    expect(checkpoints.rows).toEqual([
      { source: 'app/eu', region: 'eu', stream: `public.${t.awkward}` },
      { source: 'app/eu', region: 'eu', stream: `public.${t.awkward}#bound` },
      { source: 'app/us', region: 'us', stream: `public.${t.awkward}` },
      { source: 'app/us', region: 'us', stream: `public.${t.awkward}#bound` },
    ]);
    const ledger = await withClient(STACK.warehouse, (c) =>
      c.query(`SELECT source, rows_staged::int, inserted::int, checksum <> '' AS has_checksum FROM ${ident(schema)}.tributary_batches WHERE pipeline = 'awkward' ORDER BY source`),
    );
    expect(ledger.rows).toEqual([
      { source: 'app/eu', rows_staged: 4, inserted: 4, has_checksum: true },
      { source: 'app/us', rows_staged: 4, inserted: 4, has_checksum: true },
    ]);
  });

  it('adds a new source column to the warehouse (policy add) and refuses it (policy fail)', async () => {
    await h.run('evolve', 'us');
    await h.run('strict', 'us');
    for (const table of [t.evolve, t.strict]) {
      await withClient(STACK.source.us!, async (c) => {
        await c.query(`ALTER TABLE public.${ident(table)} ADD COLUMN added numeric(5,2)`);
        await c.query(`INSERT INTO public.${ident(table)} (id, a, added) VALUES (3, 'three', 3.25)`);
      });
    }
    expect(await h.run('evolve', 'us')).toMatchObject({ inserted: 1 });
    const [schema, table] = target('evolve');
    const got = await withClient(STACK.warehouse, (c) => c.query(`SELECT id, added FROM ${ident(schema)}.${ident(table)} ORDER BY id`));
    expect(got.rows).toEqual([
      { id: 1, added: null },
      { id: 2, added: null },
      { id: 3, added: '3.25' },
    ]);
    expect(await failureOf(h.run('strict', 'us'))).toMatch(/^pipeline strict, source app\/us: the source has new column\(s\) added .* policy is "fail"/);
  });

  it.each([
    ['missing', /pipeline missing, source app\/us: table public\.no_such_table does not exist/],
    ['badkey', /pipeline badkey, source app\/us: key column "no_such_column" is not in the table/],
    ['nulls', /pipeline nulls, source app\/us: watermark column "updated_at" of public\.\S+ has NULLs/],
    ['nokey', /pipeline nokey, source app\/us: key \(id\) is not unique in public\.\S+: \(1\) appears more than once in one read/],
  ])('refuses bad input for %s with a clear error, writing nothing', async (name, message) => {
    expect(await failureOf(h.run(name, 'us'))).toMatch(message);
    const written = await withClient(STACK.warehouse, (c) =>
      c.query(`SELECT to_regclass($1) AS t`, [`${ident(target(name)[0])}.${ident(target(name)[1])}`]),
    );
    if (name !== 'badkey') expect(written.rows[0]).toEqual({ t: null });
  });
});
