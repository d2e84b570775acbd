// Dimensions: each run reads the whole table but writes only the rows whose hash changed, and
// deletes (or marks) rows gone from the source. Counts are asserted exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { targetTable } from '../../config/resolve.js';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';
import { dropSchema } from './fact-fixture.js';
import { startHarness, type Harness } from './harness.js';

const { escapeIdentifier: ident } = pg;
const table = uniqueName('customers');
const COLS = ['id', 'name', 'tier', 'country', 'attrs'];
const config = stackConfig([
  { name: 'customers_hard', kind: 'dimension', source: 'app', table: `public.${table}`, key: ['id'], target: 'customers_hard', options: { deletes: 'hard' } },
  { name: 'customers_soft', kind: 'dimension', source: 'app', table: `public.${table}`, key: ['id'], target: 'customers_soft', options: { deletes: 'soft' } },
]);
let h: Harness;

beforeAll(async () => {
  for (const url of Object.values(STACK.source)) {
    await withClient(url, async (c) => {
      await c.query(`CREATE TABLE public.${ident(table)} (id int PRIMARY KEY, name text NOT NULL, tier text, country char(2), attrs jsonb)`);
      await c.query(`INSERT INTO public.${ident(table)} SELECT g, 'customer ' || g, (ARRAY['gold','silver',NULL])[1 + g % 3], 'US', jsonb_build_object('n', g) FROM generate_series(1, 100000) g`);
    });
  }
  h = await startHarness(config, ['us', 'eu']);
});

afterAll(async () => {
  await h?.close();
  for (const url of Object.values(STACK.source)) await withClient(url, (c) => c.query(`DROP TABLE IF EXISTS public.${ident(table)}`));
  await dropSchema(config.warehouse.schema);
});

async function live(pipeline: string, region: string, soft: boolean) {
  const target = targetTable(config, config.pipelines.find((p) => p.name === pipeline)!);
  const src = await withClient(STACK.source[region]!, (c) => tableChecksum(c, ['public', table], ['id'], COLS));
  const dst = await withClient(STACK.warehouse, async (c) => {
    if (!soft) return tableChecksum(c, target, ['id'], COLS, region);
    // Compare the live rows of a soft-delete table through a view of them.
    const view = uniqueName('live');
    await c.query(`CREATE TEMP VIEW ${view} AS SELECT * FROM ${ident(target[0])}.${ident(target[1])} WHERE NOT _deleted`);
    return tableChecksum(c, ['pg_temp', view], ['id'], COLS, region);
  });
  return { src, dst };
}

describe('dimension pipeline', () => {
  it('writes only the changed 1% and propagates deletes, hard and soft', async () => {
    for (const p of ['customers_hard', 'customers_soft']) {
      const first = await h.run(p, 'us');
      expect(first).toMatchObject({ rowsStaged: 100_000, inserted: 100_000, updated: 0, deleted: 0 });
    }

    // 1% of rows change (1,000), 200 are deleted, 300 are new.
    await withClient(STACK.source.us!, async (c) => {
      await c.query(`UPDATE public.${ident(table)} SET tier = 'platinum' WHERE id % 100 = 0`);
      await c.query(`DELETE FROM public.${ident(table)} WHERE id % 500 = 1`);
      await c.query(`INSERT INTO public.${ident(table)} SELECT g, 'new ' || g, NULL, 'DE', NULL FROM generate_series(100001, 100300) g`);
    });

    for (const [p, soft] of [['customers_hard', false], ['customers_soft', true]] as const) {
      const second = await h.run(p, 'us');
      expect(second, p).toMatchObject({ rowsStaged: 100_100, inserted: 300, updated: 1_000, deleted: 200, unchanged: 98_800 });
      const { src, dst } = await live(p, 'us', soft);
      expect(dst, p).toEqual(src);
      const third = await h.run(p, 'us');
      expect(third, `${p}: a run with nothing changed writes nothing`).toMatchObject({ inserted: 0, updated: 0, deleted: 0, unchanged: 100_100 });
    }

    const soft = targetTable(config, config.pipelines[1]!);
    const marks = await withClient(STACK.warehouse, (c) =>
      c.query<{ n: string; stamped: string }>(`SELECT count(*) AS n, count(_deleted_at) AS stamped FROM ${ident(soft[0])}.${ident(soft[1])} WHERE _deleted AND _region = 'us'`),
    );
    expect(marks.rows[0]).toEqual({ n: '200', stamped: '200' });

    // A soft-deleted row that comes back is live again.
    await withClient(STACK.source.us!, (c) => c.query(`INSERT INTO public.${ident(table)} VALUES (1, 'back', NULL, 'US', NULL)`));
    const back = await h.run('customers_soft', 'us');
    expect(back).toMatchObject({ inserted: 0, updated: 1, deleted: 0 });
    const { src, dst } = await live('customers_soft', 'us', true);
    expect(dst).toEqual(src);
  });

  it('keeps each region apart in one target: deletes in one never touch the other', async () => {
    const eu = await h.run('customers_hard', 'eu');
    expect(eu).toMatchObject({ inserted: 100_000, deleted: 0 });
    await withClient(STACK.source.eu!, (c) => c.query(`DELETE FROM public.${ident(table)} WHERE id <= 10`));
    expect(await h.run('customers_hard', 'eu')).toMatchObject({ deleted: 10, inserted: 0, updated: 0 });
    // us still holds the row re-inserted in the test above; its run touches us rows only.
    expect(await h.run('customers_hard', 'us')).toMatchObject({ inserted: 1, deleted: 0, updated: 0 });
    for (const region of ['us', 'eu']) {
      const { src, dst } = await live('customers_hard', region, false);
      expect(dst, region).toEqual(src);
    }
  });
});
