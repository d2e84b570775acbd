// The first vertical slice end to end: PostgreSQL sources -> Temporal workflow -> file stage
// -> PostgreSQL warehouse, on the real servers of the local stack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import { runPipeline } from '../../client/run-pipeline.js';
import { createDeps } from '../../activities/deps.js';
import { planFact } from '../../activities/kinds/fact/plan.js';
import { extractUnit } from '../../activities/sources/postgres/extract.js';
import { factRead, factSpan } from '../../activities/kinds/fact/index.js';
import type { MergeSpec } from '../../activities/warehouse/postgres/merge-sql.js';
import type { FactUnit, StagedBatch } from '../../activities/types.js';
import { createWarehouse } from '../../activities/warehouse/index.js';
import { targetTable } from '../../config/resolve.js';
import { syncWorkflowId } from '../../names/temporal-ids.js';
import type { TributaryConfig } from '../../config/schema.js';
import { startHarness, type Harness } from './harness.js';
import { STACK, connect, stackConfig, uniqueName, withClient } from './stack.js';
import { createFactTable, dropFactTable, dropSchema, expectWarehouseEqualsSource, insertRows, updateEvery } from './fact-fixture.js';
import { createReaderRole, dropRole, secretsFileFor } from './source-role.js';

const { escapeIdentifier: ident } = pg;
const REGIONS = ['us', 'eu'];
const table = uniqueName('orders');
let config: TributaryConfig;
let target: [string, string];
let client: Client;
let harness: Harness;
// The us server is read by a role with pg_read_all_stats: the bound sees the late transaction
// open and stays below it (the mode without the grant is test/integration/late-commits.test.ts).
const statsRole = uniqueName('tributary_stats');
const statsPassword = `stats-${uniqueName('pw')}`;

beforeAll(async () => {
  config = stackConfig([
    { name: 'orders', kind: 'fact', source: 'app', table: `public.${table}`, key: ['id'], watermark: 'updated_at', options: { lagSeconds: 0, lookbackSeconds: 30 } },
  ]);
  target = targetTable(config, config.pipelines[0]!);
  await createFactTable('us', table, 30_000);
  await createFactTable('eu', table, 12_000);
  await createReaderRole('us', statsRole, statsPassword, [table], { readAllStats: true });
  config.secrets = { provider: 'file', path: secretsFileFor('us', statsRole, statsPassword), ttlSeconds: 3_600 };
  harness = await startHarness(config, REGIONS);
  client = harness.client;
});

afterAll(async () => {
  await harness?.close();
  await dropRole('us', statsRole);
  await dropFactTable(table);
  await dropSchema(config.warehouse.schema);
});

const spec = (b: StagedBatch): MergeSpec => ({
  schema: target[0],
  table: target[1],
  columns: b.columns,
  stagedColumns: b.stagedColumns,
  key: ['id'],
  mode: { kind: 'upsert', version: 'updated_at' },
});

/** Plans and stages the next range of one region outside Temporal, for merging by hand. */
async function planAndStage(region: string, runId: string) {
  const deps = createDeps(config);
  const warehouse = createWarehouse(deps);
  const p = config.pipelines[0]!;
  if (p.kind !== 'fact') throw new Error('fact pipeline expected');
  const [unit] = await planFact(deps, warehouse, p, region, runId);
  return { warehouse, batch: await extractUnit(deps, p, unit!, factRead(p, unit!), warehouse.capabilities) };
}

const runAll = () => Promise.all(REGIONS.map((r) => runPipeline(client, config, 'orders', r)));

describe('fact pipeline through Temporal', () => {
  it('loads both regions, then applies inserts and updates, with warehouse == source', async () => {
    const first = await runAll();
    expect(first.map((r) => [r.region, r.inserted, r.updated])).toEqual([
      ['us', 30_000, 0],
      ['eu', 12_000, 0],
    ]);
    for (const r of REGIONS) await expectWarehouseEqualsSource(r, table, target);

    const updated = await updateEvery('us', table, 7);
    await withClient(STACK.source.us!, (c) => insertRows(c, table, 30_001, 500));
    const second = await runAll();
    const us = second.find((r) => r.region === 'us')!;
    expect(us.updated).toBe(updated);
    expect(us.inserted).toBe(500);
    expect(second.find((r) => r.region === 'eu')!.inserted).toBe(0);
    for (const r of REGIONS) await expectWarehouseEqualsSource(r, table, target);

    // The workflow replays from its own history without a non-determinism error.
    const history = await client.workflow.getHandle(syncWorkflowId(config, 'orders', 'us')).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: harness.workflowBundle, replayName: 'fact-pipeline-replay' }, history);

    // Nothing changed: the look-back re-reads a window, and the merge writes nothing.
    const third = await runAll();
    expect(third.map((r) => r.inserted + r.updated)).toEqual([0, 0]);
    for (const r of REGIONS) expect(await expectWarehouseEqualsSource(r, table, target)).toBeGreaterThan(0);
  });

  it('never misses a row that commits late with an older timestamp', async () => {
    const late = await connect(STACK.source.us!);
    try {
      await late.query('BEGIN');
      // now() is the transaction's start: the row carries a timestamp from before the next run.
      await late.query(`INSERT INTO public.${ident(table)} (id, customer_id, status, updated_at) VALUES (900001, 1, 'late', now())`);
      await withClient(STACK.source.us!, (c) => insertRows(c, table, 900_002, 10));
      const during = await runPipeline(client, config, 'orders', 'us');
      const stamped = await late.query<{ t: string }>(`SELECT to_char(now(), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`);
      // The run stopped below the open transaction, so its rows stay in the next range.
      expect(during.ranges[0]!.to! <= stamped.rows[0]!.t).toBe(true);
      // A naive "max(updated_at) so far" watermark would already be past the late row: it would skip it.
      const naive = await withClient(STACK.source.us!, (c) =>
        c.query<{ t: string }>(`SELECT to_char(max(updated_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t FROM public.${ident(table)}`),
      );
      expect(naive.rows[0]!.t > stamped.rows[0]!.t).toBe(true);
      await late.query('COMMIT');
    } finally {
      await late.end();
    }
    await runPipeline(client, config, 'orders', 'us');
    const got = await withClient(STACK.warehouse, (c) =>
      c.query(`SELECT status FROM ${ident(target[0])}.${ident(target[1])} WHERE id = 900001 AND _region = 'us'`),
    );
    expect(got.rows).toEqual([{ status: 'late' }]);
    await expectWarehouseEqualsSource('us', table, target);
  });

  it('a merge retried after its batch committed writes nothing (exactly once)', async () => {
    await withClient(STACK.source.eu!, (c) => insertRows(c, table, 500_000, 50));
    const { warehouse, batch } = await planAndStage('eu', 'retry-test');
    const once = await warehouse.merge(batch, spec(batch), factSpan(batch.unit as FactUnit), 'add');
    const again = await warehouse.merge(batch, spec(batch), factSpan(batch.unit as FactUnit), 'add');
    expect(once.inserted).toBe(50);
    expect(once.alreadyCommitted).toBe(false);
    expect(again).toEqual({ ...once, alreadyCommitted: true });
    await expectWarehouseEqualsSource('eu', table, target);
  });

  it('an older row never replaces a newer one in the warehouse (version guard)', async () => {
    // Stage a row, let the source move on and load that, then merge the stale batch late.
    await withClient(STACK.source.eu!, (c) => insertRows(c, table, 600_000, 1));
    const { warehouse, batch: stale } = await planAndStage('eu', 'stale');
    await withClient(STACK.source.eu!, (c) => c.query(`UPDATE public.${ident(table)} SET status = 'newest', updated_at = now() WHERE id = 600000`));
    await runPipeline(client, config, 'orders', 'eu');
    const result = await warehouse.merge(stale, spec(stale), factSpan(stale.unit as FactUnit), 'add');
    expect(result.updated).toBe(0);
    await expectWarehouseEqualsSource('eu', table, target);
  });
});
