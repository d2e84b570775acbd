// Late commits arrive whatever the source can show of its open transactions: read from the
// primary by a role with only the grants docs/security.md lists (no pg_read_all_stats, so other
// roles' transaction starts are hidden), and read from a hot standby, whose snapshot never shows
// the primary's transactions. In both, a transaction held open longer than the look-back and
// then committed has every row in the warehouse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { targetTable } from '../../config/resolve.js';
import { STACK, connect, stackConfig, uniqueName, withClient } from './stack.js';
import { dropSchema, expectWarehouseEqualsSource, usFactPipeline } from './fact-fixture.js';
import { failureOf, startHarness, type Harness } from './harness.js';
import { createReaderRole, dropRole, localSecrets } from './source-role.js';
import { caughtUp, startStandby, type Standby } from './hot-standby.js';

const { escapeIdentifier: ident } = pg;
const COLS = ['id', 'v', 'updated_at'];
const STANDBY_PORT = 55442;
const role = uniqueName('tributary_least');
const password = `least-${uniqueName('pw')}`;
const tables = { direct: uniqueName('late_direct'), replica: uniqueName('late_replica'), bare: uniqueName('late_bare') };
const primary = new URL(STACK.source.us!);
let standby: Standby;
let h: Harness;

const fact = (name: string, source: string, table: string) => usFactPipeline(name, source, table, { lagSeconds: 0, lookbackSeconds: 1 });
const config = stackConfig([fact('direct', 'app', tables.direct), fact('replica', 'replica', tables.replica), fact('bare', 'bare', tables.bare)], {
  sources: {
    replica: { type: 'postgres', servers: [{ region: 'us', host: '127.0.0.1', port: STANDBY_PORT, secret: 'app-us', primary: { host: primary.hostname, port: Number(primary.port) } }] },
    bare: { type: 'postgres', servers: [{ region: 'us', host: '127.0.0.1', port: STANDBY_PORT, secret: 'app-us' }] },
  },
});
const src = (sql: string, params: unknown[] = []) => withClient(STACK.source.us!, (c) => c.query(sql, params));

beforeAll(async () => {
  for (const t of Object.values(tables)) {
    await src(`CREATE TABLE public.${ident(t)} (id int PRIMARY KEY, v text, updated_at timestamptz NOT NULL DEFAULT now())`);
    await src(`CREATE INDEX ON public.${ident(t)} (updated_at)`);
    await src(`INSERT INTO public.${ident(t)} (id, v) SELECT g, 'v' || g FROM generate_series(1, 1000) g`);
  }
  await createReaderRole('us', role, password, Object.values(tables), { readAllStats: false });
  const file = join(mkdtempSync(join(tmpdir(), 'tributary-least-')), 'secrets.json');
  writeFileSync(file, JSON.stringify({ ...localSecrets(), 'app-us': { host: primary.hostname, port: Number(primary.port), username: role, password, dbname: 'app' } }));
  config.secrets = { provider: 'file', path: file, ttlSeconds: 3_600 };
  standby = await startStandby(STACK.source.us!, STANDBY_PORT);
  h = await startHarness(config, ['us']);
});

afterAll(async () => {
  await h?.close();
  standby?.stop();
  await dropRole('us', role);
  for (const t of Object.values(tables)) await src(`DROP TABLE IF EXISTS public.${ident(t)}`);
  await dropSchema(config.warehouse.schema);
});

async function expectEqual(pipeline: string, table: string): Promise<void> {
  await expectWarehouseEqualsSource('us', table, targetTable(config, config.pipelines.find((p) => p.name === pipeline)!), COLS);
}

/** Rows 1-100 updated in a transaction held open past the look-back; rows 101-110 committed meanwhile. */
async function lateCommit(pipeline: string, table: string): Promise<void> {
  expect(await h.run(pipeline, 'us')).toMatchObject({ rowsStaged: 1000 });
  const held = await connect(STACK.source.us!);
  try {
    await held.query('BEGIN');
    await held.query(`UPDATE public.${ident(table)} SET v = 'late', updated_at = now() WHERE id <= 100`);
    await src(`UPDATE public.${ident(table)} SET v = 'quick', updated_at = now() WHERE id BETWEEN 101 AND 110`);
    await new Promise((r) => setTimeout(r, 2_500)); // longer than the look-back (1 s)
    const during = await h.run(pipeline, 'us');
    expect(during.rowsStaged).toBeGreaterThanOrEqual(10);
    await held.query('COMMIT');
  } finally {
    await held.end();
  }
  await new Promise((r) => setTimeout(r, 1_500));
  await h.run(pipeline, 'us');
  await expectEqual(pipeline, table);
}

describe('late commits', () => {
  it('arrive from a primary read by a role without pg_read_all_stats', async () => {
    // The role sees no other role's transaction start: the bound cannot wait for the held one.
    const seen = await withClient(STACK.source.us!, async (admin) => {
      const held = await connect(STACK.source.us!);
      await held.query('BEGIN');
      await held.query(`UPDATE public.${ident(tables.direct)} SET v = v WHERE id = 1`);
      try {
        const u = new URL(STACK.source.us!);
        const c = new pg.Client({ host: u.hostname, port: Number(u.port), database: 'app', user: role, password });
        await c.connect();
        const r = await c.query<{ n: string }>('SELECT count(xact_start) AS n FROM pg_stat_activity WHERE usename <> current_user');
        await c.end();
        return Number(r.rows[0]!.n);
      } finally {
        await held.query('ROLLBACK');
        await held.end();
        void admin;
      }
    });
    expect(seen).toBe(0);
    await lateCommit('direct', tables.direct);
  });

  it('arrive from a hot standby whose primary is declared', async () => {
    await caughtUp(STACK.source.us!, standby.url);
    await lateCommit('replica', tables.replica);
  });

  it('a hot standby without its primary is refused at once, saying what to declare', async () => {
    const msg = await failureOf(h.run('bare', 'us'));
    expect(msg).toContain('hot standby');
    expect(msg).toContain('declare its primary');
  });
});
