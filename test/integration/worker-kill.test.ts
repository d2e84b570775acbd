// A worker process is SIGKILLed in the middle of a run, twice (during the extract, then during
// the merge); a new worker picks the run up and it completes with warehouse == source.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { connectClient, startPipeline } from '../../client/run-pipeline.js';
import { targetTable } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { STACK, stackConfig, uniqueName, withClient, writeConfigFile } from './stack.js';
import { createFactTable, dropFactTable, dropSchema, expectWarehouseEqualsSource, insertRows } from './fact-fixture.js';
import { killProcess, startWorkerProcess, waitForActivity, workerStarted } from './topic-fixture.js';

const table = uniqueName('killed');
const bigTable = uniqueName('killed_1m');
let config: TributaryConfig;
let configFile: string;
let client: Client;
const children: ChildProcess[] = [];

function startWorker(file = configFile): ChildProcess {
  const child = startWorkerProcess(file, 'us');
  children.push(child);
  return child;
}

beforeAll(async () => {
  config = stackConfig(
    [{ name: 'orders', kind: 'fact', source: 'app', table: `public.${table}`, key: ['id'], watermark: 'updated_at', regions: ['us'], options: { lagSeconds: 0, chunkRows: 100_000 } }],
    { heartbeatTimeoutSeconds: 5 },
  );
  configFile = writeConfigFile(config);
  await createFactTable('us', table, 400_000);
  client = await connectClient(config);
});

afterAll(async () => {
  for (const c of children) await killProcess(c);
  await client?.connection.close();
  await dropFactTable(table);
  await dropFactTable(bigTable);
  await dropSchema(config.warehouse.schema);
});

it('completes a run whose worker is SIGKILLed during extract and during merge, with no loss and no duplicates', async () => {
  const handle = await startPipeline(client, config, 'orders', 'us');
  const first = startWorker();
  await waitForActivity(handle, 'extractToStage');
  // Rows keep arriving while the worker is down.
  await withClient(STACK.source.us!, (c) => insertRows(c, table, 400_001, 1_000));
  await killProcess(first);

  const second = startWorker();
  await waitForActivity(handle, 'mergeStaged');
  await killProcess(second);

  startWorker();
  const result = await handle.result();
  expect(result.units).toBe(4);
  const history = await handle.fetchHistory();
  const retried = history.events?.filter((e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1);
  expect(retried?.length, 'both killed activities were retried').toBeGreaterThanOrEqual(2);

  // The next run picks up what arrived meanwhile.
  const next = await startPipeline(client, config, 'orders', 'us');
  await next.result();
  expect(await expectWarehouseEqualsSource('us', table, targetTable(config, config.pipelines[0]!))).toBe(401_000);
});

it('survives 20 SIGKILLs at random moments of a 1 M-row first load, ending with warehouse == source', async () => {
  const big = stackConfig(
    [{ name: 'big', kind: 'fact', source: 'app', table: `public.${bigTable}`, key: ['id'], watermark: 'updated_at', regions: ['us'], options: { lagSeconds: 0, chunkRows: 20_000, maxParallel: 2 } }],
    { heartbeatTimeoutSeconds: 3, schema: config.warehouse.schema },
  );
  const bigFile = writeConfigFile(big);
  await createFactTable('us', bigTable, 1_000_000);
  const handle = await startPipeline(client, big, 'big', 'us');
  let kills = 0;
  let done = false;
  void handle.result().finally(() => (done = true));
  // A seeded generator: the kill moments vary, but a failure can be replayed.
  let seed = 20261127;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  while (kills < 20 && !done) {
    const worker = startWorker(bigFile);
    await workerStarted(worker);
    // Short lives: the load must still be running at the 20th kill (binary staging made it fast).
    await new Promise((r) => setTimeout(r, 200 + random() * 1_500));
    if (done) break;
    await killProcess(worker);
    kills++;
  }
  startWorker(bigFile);
  const result = await handle.result();
  expect(kills, 'the load outlived 20 kills').toBe(20);
  expect(result.units).toBe(50);
  expect(await expectWarehouseEqualsSource('us', bigTable, targetTable(big, big.pipelines[0]!))).toBe(1_000_000);
}, 900_000);
