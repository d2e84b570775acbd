// Reconciliation on the real stack: verify compares source and warehouse per bucket, ignores
// rows changed since the checkpoint (the next run's), finds one deliberately corrupted bucket and
// reports it as a metric; --repair re-syncs exactly that bucket through stage + merge (ledger
// rows, other buckets untouched), after which verify is clean and warehouse == source.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import { createDeps } from '../../activities/deps.js';
import { noopMetrics, type MetricTags, type PipelineMetrics } from '../../activities/metrics/metrics.js';
import { bucketExpr } from '../../activities/reconcile/bucket-sql.js';
import { runPipeline } from '../../client/run-pipeline.js';
import { runVerify } from '../../client/verify.js';
import { targetTable } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { validateConfig } from '../../config/load.js';
import { applySchedules } from '../../schedules/index.js';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { VerifyResult } from '../../activities/types.js';
import { startHarness, type Harness } from './harness.js';
import { createFactTable, dropFactTable, dropSchema, expectWarehouseEqualsSource, FACT_COLUMNS, updateEvery } from './fact-fixture.js';
import { ROOT, STACK, stackConfig, uniqueName, withClient, writeConfigFile } from './stack.js';

const { escapeIdentifier: ident } = pg;
const BUCKETS = 32;
const table = uniqueName('vf_orders');
const dimTable = uniqueName('vf_regions');
let config: TributaryConfig;
let configFile: string;
let client: Client;
let harness: Harness;
let target: string;
const drift: { tags: MetricTags; buckets: number }[] = [];

beforeAll(async () => {
  config = stackConfig([
    { name: 'orders', kind: 'fact', source: 'app', table: `public.${table}`, key: ['id'], watermark: 'updated_at', regions: ['us', 'eu'], options: { lagSeconds: 0 } },
    { name: 'zones', kind: 'dimension', source: 'app', table: `public.${dimTable}`, key: ['code'], regions: ['us'], options: { deletes: 'soft' } },
  ]);
  configFile = writeConfigFile(config);
  const [schema, tbl] = targetTable(config, config.pipelines[0]!);
  target = `${ident(schema)}.${ident(tbl)}`;
  await createFactTable('us', table, 20_000);
  await createFactTable('eu', table, 3_000);
  await withClient(STACK.source.us!, async (c) => {
    await c.query(`CREATE TABLE public.${ident(dimTable)} (code text PRIMARY KEY, name text, population bigint)`);
    await c.query(`INSERT INTO public.${ident(dimTable)} SELECT 'z' || g, 'zone ' || g, g * 1000 FROM generate_series(1, 500) g`);
  });
  const metrics: PipelineMetrics = { ...noopMetrics, drift: (tags, buckets) => drift.push({ tags, buckets }) };
  harness = await startHarness(config, ['us', 'eu'], { deps: () => createDeps(config, metrics) });
  client = harness.client;
  await Promise.all([runPipeline(client, config, 'orders', 'us'), runPipeline(client, config, 'orders', 'eu'), runPipeline(client, config, 'zones', 'us')]);
});

afterAll(async () => {
  await harness?.close();
  await dropFactTable(table);
  await withClient(STACK.source.us!, (c) => c.query(`DROP TABLE IF EXISTS public.${ident(dimTable)}`));
  await dropSchema(config.warehouse.schema);
});

/** Ids of warehouse rows (us) in one bucket. */
async function idsInBucket(bucket: number, limit: number): Promise<number[]> {
  const res = await withClient(STACK.warehouse, (c) =>
    c.query<{ id: string }>(`SELECT id FROM ${target} WHERE _source = 'app/us' AND ${bucketExpr(['id'], BUCKETS)} = $1 ORDER BY id LIMIT $2`, [bucket, limit]),
  );
  return res.rows.map((r) => Number(r.id));
}

const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args, '--config', configFile], { cwd: ROOT }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('verify (fact pipeline)', () => {
  it('finds nothing when the warehouse equals the source, even with changes waiting for the next run', async () => {
    const changed = await updateEvery('us', table, 13);
    const result = await runVerify(client, config, { pipeline: 'orders', region: 'us', buckets: BUCKETS });
    expect(result.before.driftedBuckets).toBe(0);
    const us = result.before.sources[0]!;
    expect(us).toMatchObject({ source: 'app/us', drifted: [], bucketsCompared: BUCKETS, warehouseRows: 20_000 });
    expect(us.pending, 'rows updated since the checkpoint are the next run\'s, not drift').toBe(changed);
    expect(drift.filter((d) => d.tags.pipeline === 'orders' && d.tags.source === 'app/us').at(-1)?.buckets).toBe(0);
    await runPipeline(client, config, 'orders', 'us');
  });

  it('finds one corrupted bucket, and --repair re-syncs exactly that bucket', async () => {
    const bucket = 7;
    const [gone, edited, copied] = await idsInBucket(bucket, 3);
    // An id the source lacks that hashes into the same bucket: a row only the warehouse has.
    const extra = await withClient(STACK.warehouse, (c) =>
      c.query<{ id: string }>(`SELECT id FROM generate_series(5000000, 5100000) id WHERE ${bucketExpr(['id'], BUCKETS)} = $1 LIMIT 1`, [bucket]),
    );
    const extraId = Number(extra.rows[0]!.id);
    await withClient(STACK.warehouse, async (c) => {
      await c.query(`DELETE FROM ${target} WHERE _source = 'app/us' AND id = $1`, [gone]);
      await c.query(`UPDATE ${target} SET note = 'corrupted' WHERE _source = 'app/us' AND id = $1`, [edited]);
      const cols = [...FACT_COLUMNS.filter((c) => c !== 'id'), '_source', '_region', '_batch_id', '_extracted_at', '_loaded_at'].map(ident).join(', ');
      await c.query(`INSERT INTO ${target} (id, ${cols}) SELECT $2, ${cols} FROM ${target} WHERE _source = 'app/us' AND id = $1`, [copied, extraId]);
    });
    const batchesBefore = await withClient(STACK.warehouse, (c) => c.query<{ id: string; b: string }>(`SELECT id, _batch_id AS b FROM ${target} WHERE _source = 'app/us'`));

    // The CLI reports it, exits 1, and says what to do.
    const found = await cli('verify', 'orders', '--region', 'us', '--buckets', String(BUCKETS));
    expect(found.code, found.stderr).toBe(1);
    expect(found.stderr).toMatch(/--repair/);
    expect(found.stdout).toMatch(/1 drifted/);

    const result = await runVerify(client, config, { pipeline: 'orders', region: 'us', buckets: BUCKETS, repair: true });
    expect(result.before.sources[0]!.drifted.map(({ bucket: b, missing, extra, changed }) => ({ b, missing, extra, changed }))).toEqual([{ b: bucket, missing: 1, extra: 1, changed: 1 }]);
    expect(drift.some((d) => d.tags.pipeline === 'orders' && d.tags.region === 'us' && d.buckets === 1)).toBe(true);
    expect(result.repaired).toEqual([{ source: 'app/us', buckets: [bucket], deleted: 1, inserted: 1, updated: 1 }]);
    expect(result.after?.driftedBuckets).toBe(0);

    // Only rows of that bucket were rewritten; every other row keeps the batch that loaded it.
    const after = await withClient(STACK.warehouse, (c) => c.query<{ id: string; b: string }>(`SELECT id, _batch_id AS b FROM ${target} WHERE _source = 'app/us'`));
    const was = new Map(batchesBefore.rows.map((r) => [r.id, r.b]));
    const rewritten = after.rows.filter((r) => was.get(r.id) !== r.b).map((r) => Number(r.id)).sort((a, b) => a - b);
    expect(rewritten).toEqual([gone!, edited!].sort((a, b) => a - b));
    // The ledger recorded the repair: the merged batch and the delete.
    const ledger = await withClient(STACK.warehouse, (c) =>
      c.query<{ batch_id: string; inserted: string; updated: string; deleted: string }>(
        `SELECT batch_id, inserted, updated, deleted FROM ${ident(config.warehouse.schema)}.tributary_batches WHERE batch_id LIKE 'repair-%' ORDER BY batch_id`,
      ),
    );
    expect(ledger.rows.map((r) => [Number(r.inserted), Number(r.updated), Number(r.deleted)])).toEqual([
      [1, 1, 0],
      [0, 0, 1],
    ]);
    await expectWarehouseEqualsSource('us', table, targetTable(config, config.pipelines[0]!));

    // eu was never touched and is in sync; the CLI exits 0 over both regions.
    const clean = await cli('verify', 'orders', '--buckets', String(BUCKETS), '--json');
    expect(clean.code, clean.stderr).toBe(0);
    const parsed = JSON.parse(clean.stdout) as { before: { region: string; driftedBuckets: number } }[];
    expect(parsed.map((r) => [r.before.region, r.before.driftedBuckets])).toEqual([
      ['us', 0],
      ['eu', 0],
    ]);
  });

  it('rejects bad usage with exit code 2 and what to do', async () => {
    const bad = await cli('verify', 'orders', '--region', 'mars');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/does not run in region "mars" \(its regions: us, eu\)/);
    const buckets = await cli('verify', 'orders', '--buckets', 'many');
    expect(buckets.code).toBe(2);
  });
});

describe('verify (dimension pipeline, soft deletes)', () => {
  it('finds a changed row whose stored hash still looks current, and --repair rewrites it', async () => {
    const [schema, tbl] = targetTable(config, config.pipelines[1]!);
    const dim = `${ident(schema)}.${ident(tbl)}`;
    await withClient(STACK.warehouse, (c) => c.query(`UPDATE ${dim} SET population = -1 WHERE code = 'z42'`));
    // Deleted at the source: the warehouse marks it _deleted, which verify leaves out.
    await withClient(STACK.source.us!, (c) => c.query(`DELETE FROM public.${ident(dimTable)} WHERE code = 'z7'`));
    await runPipeline(client, config, 'zones', 'us');

    const result = await runVerify(client, config, { pipeline: 'zones', region: 'us', buckets: 8, repair: true });
    expect(result.before.driftedBuckets).toBe(1);
    expect(result.before.sources[0]!.drifted[0]).toMatchObject({ changed: 1, missing: 0, extra: 0 });
    expect(result.repaired[0]).toMatchObject({ updated: 1, inserted: 0 });
    expect(result.after?.driftedBuckets).toBe(0);
    const row = await withClient(STACK.warehouse, (c) => c.query(`SELECT population FROM ${dim} WHERE code = 'z42'`));
    expect(row.rows).toEqual([{ population: '42000' }]);
  });
});

describe('verify on a schedule', () => {
  it('apply makes a verify schedule from the config; when it fires, verifyPipeline runs on the region worker', async () => {
    const scheduled = validateConfig('test-config', {
      ...config,
      pipelines: config.pipelines.map((p) => (p.name === 'orders' ? { ...p, regions: ['us'], verify: { schedule: '0 3 1 1 *', buckets: 8 } } : p)),
    });
    const applied = await applySchedules(client, scheduled);
    // orders' own verify schedule, and zones' by default (daily; verify: false would turn it off).
    expect(applied.rows.filter((r) => r.id.endsWith('/verify')).map((r) => [r.id, r.action, r.error])).toEqual([
      [`${scheduled.temporal.taskQueuePrefix}/orders/us/verify`, 'create', undefined],
      [`${scheduled.temporal.taskQueuePrefix}/zones/us/verify`, 'create', undefined],
    ]);
    const zones = await client.schedule.getHandle(`${scheduled.temporal.taskQueuePrefix}/zones/us/verify`).describe();
    expect(zones.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 4, end: 4, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }] });
    try {
      const handle = client.schedule.getHandle(`${scheduled.temporal.taskQueuePrefix}/orders/us/verify`);
      await handle.trigger(ScheduleOverlapPolicy.SKIP);
      let runId: string | undefined;
      let workflowId = '';
      for (let i = 0; i < 200 && !runId; i++) {
        const action = (await handle.describe()).info.recentActions[0]?.action;
        if (action) ({ workflowId, firstExecutionRunId: runId } = action.workflow);
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(workflowId.startsWith(`${config.temporal.taskQueuePrefix}/verify/orders/us-`)).toBe(true);
      const result = (await client.workflow.getHandle(workflowId, runId).result()) as VerifyResult;
      expect(result.before).toMatchObject({ pipeline: 'orders', region: 'us', buckets: 8, driftedBuckets: 0 });
    } finally {
      for (const s of applied.rows) await client.schedule.getHandle(s.id).delete().catch(() => undefined);
    }
  });
});
