// Incremental dimensions: a run reads only rows whose change column moved past the checkpoint
// (never past an open transaction), writes only what changed, and a full pass - on its
// schedule or on demand - is what finds the rows deleted at the source.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { targetTable } from '../../config/resolve.js';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { fullPassStream } from '../../activities/kinds/dimension/plan.js';
import { STACK, connect, stackConfig, uniqueName, withClient } from './stack.js';
import { dropSchema } from './fact-fixture.js';
import { startHarness, type Harness } from './harness.js';
import { createReaderRole, dropRole, secretsFileFor } from './source-role.js';

const { escapeIdentifier: ident } = pg;
const table = uniqueName('accounts');
const COLS = ['id', 'name', 'tier', 'updated_at'];
const config = stackConfig([
  {
    name: 'accounts',
    kind: 'dimension',
    source: 'app',
    table: `public.${table}`,
    key: ['id'],
    options: { deletes: 'hard', incremental: { column: 'updated_at', lagSeconds: 0, fullPassEveryHours: 24 } },
  },
]);
const target = targetTable(config, config.pipelines[0]!);
const src = (sql: string) => withClient(STACK.source.us!, (c) => c.query(sql));
let h: Harness;
// Read by a role with pg_read_all_stats, so the bound sees the open transaction below.
const statsRole = uniqueName('tributary_stats');
const statsPassword = `stats-${uniqueName('pw')}`;

beforeAll(async () => {
  await src(`CREATE TABLE public.${ident(table)} (id int PRIMARY KEY, name text NOT NULL, tier text, updated_at timestamptz NOT NULL DEFAULT now())`);
  await src(`INSERT INTO public.${ident(table)} SELECT g, 'account ' || g, 'silver', now() - interval '1 day' FROM generate_series(1, 20000) g`);
  await createReaderRole('us', statsRole, statsPassword, [table], { readAllStats: true });
  config.secrets = { provider: 'file', path: secretsFileFor('us', statsRole, statsPassword), ttlSeconds: 3_600 };
  h = await startHarness(config, ['us']);
});

afterAll(async () => {
  await h?.close();
  await dropRole('us', statsRole);
  await src(`DROP TABLE IF EXISTS public.${ident(table)}`);
  await dropSchema(config.warehouse.schema);
});

const checksums = async () => ({
  src: await withClient(STACK.source.us!, (c) => tableChecksum(c, ['public', table], ['id'], COLS)),
  dst: await withClient(STACK.warehouse, (c) => tableChecksum(c, target, ['id'], COLS, 'us')),
});
const warehouseRows = () =>
  withClient(STACK.warehouse, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(target[0])}.${ident(target[1])}`)).rows[0]!.n));

describe('incremental dimension pipeline', () => {
  it('starts with a full pass, then reads only changed rows; deletes wait for the next full pass', async () => {
    expect(await h.run('accounts', 'us')).toMatchObject({ rowsStaged: 20_000, inserted: 20_000 });

    await src(`UPDATE public.${ident(table)} SET tier = 'gold', updated_at = now() WHERE id % 200 = 0`);
    await src(`DELETE FROM public.${ident(table)} WHERE id % 400 = 1`);
    await src(`INSERT INTO public.${ident(table)} (id, name) SELECT g, 'new ' || g FROM generate_series(20001, 20030) g`);
    const second = await h.run('accounts', 'us');
    expect(second).toMatchObject({ rowsStaged: 130, inserted: 30, updated: 100, deleted: 0, unchanged: 0 });
    expect(second.ranges[0]!.from).not.toBeNull();
    expect(await warehouseRows()).toBe(20_030); // the 50 deleted rows are still there
    expect(await h.run('accounts', 'us')).toMatchObject({ rowsStaged: 0, inserted: 0, updated: 0 });

    // On demand (`tributary run --full-pass`): the whole table is read, deletes are found.
    expect(await h.run('accounts', 'us', { fullPass: true })).toMatchObject({ rowsStaged: 19_980, inserted: 0, updated: 0, deleted: 50, unchanged: 19_980 });
    const { src: s, dst } = await checksums();
    expect(dst).toEqual(s);
  });

  it('runs the full pass on its own once the last one is older than fullPassEveryHours', async () => {
    await src(`DELETE FROM public.${ident(table)} WHERE id BETWEEN 2 AND 6`);
    expect(await h.run('accounts', 'us')).toMatchObject({ rowsStaged: 0, deleted: 0 });
    await withClient(STACK.warehouse, (c) =>
      c.query(`UPDATE ${ident(config.warehouse.schema)}.tributary_checkpoints SET position = $1 WHERE stream = $2`, [
        new Date(Date.now() - 25 * 3_600_000).toISOString(),
        fullPassStream(`public.${table}`),
      ]),
    );
    expect(await h.run('accounts', 'us')).toMatchObject({ rowsStaged: 19_975, deleted: 5 });
    const { src: s, dst } = await checksums();
    expect(dst).toEqual(s);
  });

  it('does not pass a transaction still open at the source: its row is read once it commits', async () => {
    const late = await connect(STACK.source.us!);
    try {
      await late.query('BEGIN');
      await late.query(`UPDATE public.${ident(table)} SET tier = 'late', updated_at = now() WHERE id = 100`);
      await new Promise((r) => setTimeout(r, 1_500));
      await src(`UPDATE public.${ident(table)} SET tier = 'early', updated_at = now() WHERE id = 200`);
      // The open transaction started first: the bound stays below it, so 'early' waits too.
      expect(await h.run('accounts', 'us')).toMatchObject({ rowsStaged: 0 });
      await late.query('COMMIT');
    } finally {
      await late.end();
    }
    expect(await h.run('accounts', 'us')).toMatchObject({ rowsStaged: 2, updated: 2 });
    const { src: s, dst } = await checksums();
    expect(dst).toEqual(s);
  });
});
