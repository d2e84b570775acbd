// A Kafka broker restarted in the middle of a topic run (issue 4): a run of region us loads a
// topic from both us cell clusters; once it has merged a batch, broker us-cell-2 is SIGKILLed and
// started again by infra/local/start.sh. The extracts reading from it fail (or miss their
// heartbeat) and are retried by Temporal until the broker is back; the run completes, and the
// warehouse holds every produced message exactly once: count == produced, no duplicate
// (cluster, partition, offset).
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { connectClient, startPipeline } from '../../client/run-pipeline.js';
import { readRunProgress } from '../../client/run-progress.js';
import { targetTable } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { uniqueName, writeConfigFile } from './stack.js';
import { clicks, createTopic, deleteTopic, dropSchema, endOffsets, killProcess, loadedPerCell, produce, startWorkerProcess, topicStackConfig, workerStarted } from './topic-fixture.js';
import { killService, servicePid, startMissing } from './stack-restart.js';

const topic = uniqueName('broker_restart');
const CELLS = ['us/cell-1', 'us/cell-2'];
const BROKER = { kind: 'kafka', name: 'us-cell-2' } as const;
const PER_CELL = 60_000;
let config: TributaryConfig;
let client: Client;
let worker: ChildProcess | undefined;
const produced: Record<string, number> = {};

beforeAll(async () => {
  config = topicStackConfig(
    [
      {
        name: uniqueName('restart'),
        kind: 'topic',
        source: 'events',
        regions: ['us'],
        topic,
        target: uniqueName('restart_clicks'),
        columns: [
          { name: 'id', path: 'id', type: 'bigint', required: true },
          { name: 'user_name', path: 'user.name', type: 'text' },
          { name: 'at', path: 'at', type: 'timestamptz' },
        ],
        // Small batches, few at a time: the run is still reading from cell-2 when its broker dies.
        options: { maxMessagesPerPartition: 1_000, maxBatchesPerPartition: 20, maxParallel: 2 },
      },
    ],
    { heartbeatTimeoutSeconds: 5 },
  );
  const configFile = writeConfigFile(config);
  for (const cell of CELLS) {
    await createTopic(cell, topic);
    produced[cell] = await produce(cell, topic, clicks(cell, 0, PER_CELL));
  }
  client = await connectClient(config);
  worker = startWorkerProcess(configFile, 'us');
  await workerStarted(worker);
}, 300_000);

afterAll(async () => {
  // Leave the stack as found even if the test failed between the kill and the restart.
  if ((await servicePid(BROKER)) === undefined) await startMissing();
  if (worker) await killProcess(worker);
  await client?.connection.close();
  for (const cell of CELLS) await deleteTopic(cell, topic);
  if (config) await dropSchema(config.warehouse.schema);
}, 600_000);

it('retries through a broker restart and loads every message exactly once', async () => {
  // What Kafka holds is what must land (acks from all replicas before the run starts).
  for (const cell of CELLS) expect([...(await endOffsets(cell, topic)).values()].reduce((a, b) => a + b, 0)).toBe(produced[cell]);

  const pipeline = config.pipelines[0]!.name;
  const handle = await startPipeline(client, config, pipeline, 'us');
  let progress = await readRunProgress(client, handle);
  for (let i = 0; i < 1_200 && !(progress && progress.merged >= 1); i++) {
    await new Promise((r) => setTimeout(r, 100));
    progress = await readRunProgress(client, handle);
  }
  expect(progress?.units, 'the run planned batches for both clusters').toBeGreaterThan(40);
  expect(progress!.merged).toBeGreaterThanOrEqual(1);
  expect(progress!.merged, 'the broker goes down in the middle of the run').toBeLessThan(progress!.units!);

  const killed = await killService(BROKER);
  // While it is down the run's activities against it fail and wait for their next attempt.
  let sawRetry = false;
  let finished = false;
  const watch = (async () => {
    while (!sawRetry && !finished) {
      const p = await readRunProgress(client, handle);
      if (p && p.retrying > 0) sawRetry = true;
      else await new Promise((r) => setTimeout(r, 250));
    }
  })();
  await new Promise((r) => setTimeout(r, 3_000));
  await startMissing();
  expect(await servicePid(BROKER)).not.toBe(killed);

  const result = await handle.result().finally(() => (finished = true));
  await watch;
  expect(sawRetry, 'an activity was retried while the broker was down').toBe(true);
  expect(result.units).toBe(progress!.units);

  const target = targetTable(config, config.pipelines[0]!);
  expect(await loadedPerCell(target)).toEqual({ perCell: produced, duplicates: 0 });
}, 900_000);
