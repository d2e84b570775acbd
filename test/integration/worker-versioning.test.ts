// Worker Versioning on the real Temporal dev server: a run started on build A (workers with
// TRIBUTARY_BUILD_ID=A) is held mid-run at the source, the workers of build B come up and
// `tributary rollout` makes B current; the held run still finishes on A (pinned), the next run
// starts on B, and the warehouse ends equal to the source. A backfill, long-lived, auto-upgrades
// (the behavior is read from the server's description of each run).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundle } from '@temporalio/worker';
import type { Client, WorkflowHandle } from '@temporalio/client';
import pg from 'pg';
import { connectClient, startPipeline } from '../../client/run-pipeline.js';
import { rollout } from '../../client/rollout.js';
import { startBackfill } from '../../client/backfill.js';
import { targetTable } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { createRegionWorker, type RegionWorker } from '../../workers/create-worker.js';
import { workflowBundleOptions } from '../../workers/workflows-path.js';
import { workerDeploymentName } from '../../names/temporal-ids.js';
import { createFactTable, dropFactTable, dropSchema, expectWarehouseEqualsSource, insertRows } from './fact-fixture.js';
import { STACK, connect, stackConfig, uniqueName } from './stack.js';

const { escapeIdentifier: ident } = pg;
const table = uniqueName('versioned');
let config: TributaryConfig;
let client: Client;
let bundle: WorkflowBundle;
const workers: { w: RegionWorker; running: Promise<void> }[] = [];

async function startWorker(buildId: string): Promise<void> {
  const w = await createRegionWorker(config, 'us', { workflowBundle: bundle, buildId });
  workers.push({ w, running: w.worker.run() });
}

/** The build a run's workflow tasks go to, and its behavior, once the server knows them. */
async function versionOf(handle: WorkflowHandle): Promise<{ buildId: string; behavior: string }> {
  for (let i = 0; i < 200; i++) {
    const info = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
    const buildId = info?.deploymentVersion?.buildId;
    if (buildId) return { buildId, behavior: String(info?.behavior) };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`workflow ${handle.workflowId} has no deployment version`);
}

beforeAll(async () => {
  config = stackConfig([{ name: 'orders', kind: 'fact', source: 'app', table: `public.${table}`, key: ['id'], watermark: 'updated_at', regions: ['us'], verify: false, options: { lagSeconds: 0 } }]);
  await createFactTable('us', table, 2_000);
  bundle = await bundleWorkflowCode({ ...workflowBundleOptions, logger: new DefaultLogger('WARN') });
  client = await connectClient(config);
}, 120_000);

afterAll(async () => {
  for (const { w } of workers) w.worker.shutdown();
  await Promise.all(workers.map((x) => x.running));
  await Promise.all(workers.map((x) => x.w.connection.close()));
  await client?.connection.close();
  await dropFactTable(table);
  await dropSchema(config.warehouse.schema);
});

describe('worker versioning', () => {
  it('a run in flight finishes on the build it started on; after rollout new runs start on the new build', async () => {
    await startWorker('build-a');
    expect(await rollout(client, config, 'build-a', { region: 'us', timeoutMs: 60_000 })).toEqual([
      { region: 'us', deployment: workerDeploymentName(config, 'us'), buildId: 'build-a', previous: null },
    ]);

    // Hold the run at the source: an exclusive lock makes its first read wait.
    const lock = await connect(STACK.source.us!);
    let held: Awaited<ReturnType<typeof startPipeline>>;
    try {
      await lock.query('BEGIN');
      await lock.query(`LOCK TABLE public.${ident(table)} IN ACCESS EXCLUSIVE MODE`);
      held = await startPipeline(client, config, 'orders', 'us');
      const started = await versionOf(held);
      expect(started.buildId).toBe('build-a');
      expect(started.behavior).toMatch(/PINNED|^1$/);

      await startWorker('build-b');
      const moved = await rollout(client, config, 'build-b', { region: 'us', timeoutMs: 60_000 });
      expect(moved).toEqual([{ region: 'us', deployment: workerDeploymentName(config, 'us'), buildId: 'build-b', previous: 'build-a' }]);
    } finally {
      await lock.query('COMMIT');
      await lock.end();
    }
    const first = await held.result();
    expect(first.rowsStaged).toBe(2_000);
    expect((await versionOf(held)).buildId).toBe('build-a');

    await connect(STACK.source.us!).then(async (c) => {
      await insertRows(c, table, 2_001, 500);
      await c.end();
    });
    const next = await startPipeline(client, config, 'orders', 'us');
    expect((await next.result()).rowsStaged).toBe(500);
    expect((await versionOf(next)).buildId).toBe('build-b');
    expect(await expectWarehouseEqualsSource('us', table, targetTable(config, config.pipelines[0]!))).toBe(2_500);

    // A backfill is long-lived: it auto-upgrades instead of staying pinned to its first build.
    const backfill = await startBackfill(client, config, { pipeline: 'orders', region: 'us', from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' });
    const bf = await versionOf(backfill);
    expect(bf.buildId).toBe('build-b');
    expect(bf.behavior).toMatch(/AUTO_UPGRADE|^2$/);
    expect((await backfill.result()).rowsStaged).toBe(2_500);
  }, 240_000);

  it('refuses a region the config does not have, naming the ones it has', async () => {
    await expect(rollout(client, config, 'build-b', { region: 'mars' })).rejects.toThrow(/region "mars" is none of the config's \(us\)/);
  });
});
