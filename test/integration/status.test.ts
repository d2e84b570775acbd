// `tributary status` on the real stack: freshness (now minus the checkpoint for facts, minus the
// last success for dimensions), lag (source data not yet loaded), rows of the last run, and the
// state from Temporal: ok, paused (schedule), failed (with the run's own error).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pipelineStatus, type StatusRow } from '../../client/status.js';
import type { TributaryConfig } from '../../config/schema.js';
import { applySchedules, pauseSchedule, readSchedules } from '../../schedules/index.js';
import { createFactTable, dropFactTable, dropSchema, insertRows } from './fact-fixture.js';
import { startHarness, type Harness } from './harness.js';
import { ROOT, STACK, stackConfig, uniqueName, withClient, writeConfigFile } from './stack.js';

const { escapeIdentifier: ident } = pg;
const table = uniqueName('st_orders');
const dimTable = uniqueName('st_zones');
const missing = uniqueName('st_missing');
let config: TributaryConfig;
let configFile: string;
let harness: Harness;

beforeAll(async () => {
  // Crons that never fire during a test (1 January): only the runs below happen.
  config = stackConfig([
    { name: 'orders', kind: 'fact', source: 'app', table: `public.${table}`, key: ['id'], watermark: 'updated_at', regions: ['us'], schedule: '0 3 1 1 *', slo: { freshnessSeconds: 60 }, options: { lagSeconds: 0 } },
    { name: 'zones', kind: 'dimension', source: 'app', table: `public.${dimTable}`, key: ['code'], regions: ['us'], schedule: '0 3 1 1 *' },
    { name: 'broken', kind: 'fact', source: 'app', table: `public.${missing}`, key: ['id'], watermark: 'updated_at', regions: ['us'], schedule: '0 3 1 1 *' },
  ]);
  configFile = writeConfigFile(config);
  await createFactTable('us', table, 3_000);
  await withClient(STACK.source.us!, async (c) => {
    await c.query(`CREATE TABLE public.${ident(dimTable)} (code text PRIMARY KEY, name text)`);
    await c.query(`INSERT INTO public.${ident(dimTable)} SELECT 'z' || g, 'zone ' || g FROM generate_series(1, 40) g`);
  });
  harness = await startHarness(config, ['us']);
  await applySchedules(harness.client, config);
});

afterAll(async () => {
  if (harness) {
    for (const s of await readSchedules(harness.client, config)) {
      if (s.taskQueuePrefix === config.temporal.taskQueuePrefix) await harness.client.schedule.getHandle(s.id).delete();
    }
    await harness.close();
  }
  await dropFactTable(table);
  await withClient(STACK.source.us!, (c) => c.query(`DROP TABLE IF EXISTS public.${ident(dimTable)}`));
  await dropSchema(config.warehouse.schema);
});

const rowOf = (rows: StatusRow[], pipeline: string) => rows.find((r) => r.pipeline === pipeline)!;

describe('status', () => {
  it('shows never-run pipelines before anything ran', async () => {
    const rows = await pipelineStatus(harness.client, config);
    expect(rows.map((r) => [r.pipeline, r.region, r.source, r.state, r.schedule])).toEqual([
      ['orders', 'us', 'app/us', 'never run', 'active'],
      ['zones', 'us', 'app/us', 'never run', 'active'],
      ['broken', 'us', 'app/us', 'never run', 'active'],
    ]);
    expect(rowOf(rows, 'orders')).toMatchObject({ lastSuccess: null, rows: null, freshnessSeconds: null, slo: null });
  });

  it('shows freshness, lag, rows and state after runs', async () => {
    const orders = await harness.run('orders', 'us');
    await harness.run('zones', 'us');
    const checkpoint = orders.ranges[0]!.to!;

    // Rows stamped 30 s past the checkpoint have arrived at the source: the warehouse lags 30 s.
    await withClient(STACK.source.us!, (c) => insertRows(c, table, 10_001, 5, `'${checkpoint}'::timestamptz + interval '30 seconds'`));
    const now = new Date(Date.parse(checkpoint) + 120_000);
    const rows = await pipelineStatus(harness.client, config, { now });
    const o = rowOf(rows, 'orders');
    expect(o).toMatchObject({ state: 'ok', rows: 3_000, freshnessSeconds: 120, lagSeconds: 30, cell: null, schedule: 'active' });
    // The run's counts, from its ledger rows: a first load inserts every row it read.
    expect(o.counts).toEqual({ read: 3_000, inserted: 3_000, updated: 0, unchanged: 0, deleted: 0, deduplicated: 0, deadLettered: 0 });
    expect(o.lastSuccess! >= checkpoint).toBe(true);
    // Its SLO is 60 s: 120 s fresh is a breach that began when the freshness passed 60 s.
    expect(o).toMatchObject({ sloSeconds: 60, slo: `breached since ${new Date(Date.parse(checkpoint) + 60_000).toISOString()}` });

    const z = rowOf(rows, 'zones');
    // No SLO in the config: a year (its schedule's longest gap) plus 15 minutes, so it is ok.
    expect(z).toMatchObject({ state: 'ok', rows: 40, lagSeconds: null, sloSeconds: 365 * 86_400 + 900, slo: 'ok' });
    expect(z.freshnessSeconds).toBe(Math.round((now.getTime() - Date.parse(z.lastSuccess!)) / 1000));
  });

  it('shows a paused schedule and a failed run with its own error; the CLI exits 1 and prints JSON', async () => {
    await pauseSchedule(harness.client, config, 'zones', 'us', 'maintenance');
    await harness.run('broken', 'us').catch(() => undefined);
    const rows = await pipelineStatus(harness.client, config);
    expect(rowOf(rows, 'zones')).toMatchObject({ state: 'paused', schedule: 'paused' });
    const b = rowOf(rows, 'broken');
    expect(b.state).toBe('failed');
    expect(b.detail).toBe(
      `failed: pipeline broken, source app/us: table public.${missing} does not exist or has no columns the reader can see; ` +
        `lag unknown: source app/us: relation "public.${missing}" does not exist`,
    );
    expect(rowOf(rows, 'orders').state).toBe('ok');

    const cli = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'status', '--json', '--config', configFile], { cwd: ROOT }).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(cli.code, 'a failed pipeline makes status exit 1').toBe(1);
    const parsed = JSON.parse(cli.stdout) as StatusRow[];
    expect(parsed.map((r) => [r.pipeline, r.state])).toEqual([
      ['orders', 'ok'],
      ['zones', 'paused'],
      ['broken', 'failed'],
    ]);
  });
});
