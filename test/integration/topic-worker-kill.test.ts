// Worker processes SIGKILLed while a topic pipeline loads 300 k messages from the three local
// clusters (3 clusters x 4 partitions): Temporal retries the killed extracts and merges on the
// next worker, and the offsets ledger makes every message land exactly once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { connectClient, startPipeline } from '../../client/run-pipeline.js';
import { targetTable } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { uniqueName, writeConfigFile } from './stack.js';
import {
  CELLS,
  clickColumns,
  clicks,
  createTopic,
  deleteTopic,
  dropSchema,
  killProcess,
  loadedPerCell,
  produce,
  qualified,
  query,
  startWorkerProcess,
  topicStackConfig,
  waitForActivity,
  workerStarted,
} from './topic-fixture.js';

const topic = uniqueName('killed_clicks');
const REGIONS = ['us', 'eu'];
let config: TributaryConfig;
let configFile: string;
let client: Client;
const children: ChildProcess[] = [];
const produced: Record<string, number> = {};

function worker(region: string): ChildProcess {
  const child = startWorkerProcess(configFile, region);
  children.push(child);
  return child;
}

/** Every loaded id of a cell, once: the sum of 0..n-1. */
async function expectExactlyOnce(): Promise<void> {
  const target = targetTable(config, config.pipelines[0]!);
  expect(await loadedPerCell(target)).toEqual({ perCell: produced, duplicates: 0 });
  const sums = await query<{ cell: string; s: string }>(`SELECT _region || '/' || _cell AS cell, sum(id)::text AS s FROM ${qualified(target)} GROUP BY 1`);
  for (const r of sums) expect(BigInt(r.s)).toBe((BigInt(produced[r.cell]!) * BigInt(produced[r.cell]! - 1)) / 2n);
}

beforeAll(async () => {
  config = topicStackConfig(
    [
      {
        name: 'events',
        kind: 'topic',
        source: 'events',
        topic,
        target: uniqueName('killed_clicks'),
        columns: clickColumns('id', 'user_name', 'amount', 'at'),
        options: { keepRawAs: 'raw', maxMessagesPerPartition: 2_500, maxBatchesPerPartition: 20, maxParallel: 4 },
      },
    ],
    { heartbeatTimeoutSeconds: 3 },
  );
  configFile = writeConfigFile(config);
  for (const cell of CELLS) {
    await createTopic(cell, topic);
    produced[cell] = await produce(cell, topic, clicks(cell, 0, 100_000));
  }
  client = await connectClient(config);
});

afterAll(async () => {
  for (const c of children) await killProcess(c);
  await client?.connection.close();
  for (const cell of CELLS) await deleteTopic(cell, topic);
  if (config) {
    await dropSchema(config.warehouse.schema);
    await dropSchema(targetTable(config, config.pipelines[0]!)[0]).catch(() => undefined);
  }
});

it('loads 300 k messages exactly once through 20 SIGKILLs of the workers, with messages arriving meanwhile', async () => {
  const started = Date.now();
  let handles = await Promise.all(REGIONS.map((r) => startPipeline(client, config, 'events', r)));
  // Every run of the test: the kills land at random moments, so any of them may hold the retries.
  const allHandles = [...handles];
  let finished = Promise.all(handles.map((h) => h.result()));
  let done = false;
  void finished.finally(() => (done = true));
  const running: Record<string, ChildProcess> = {};
  for (const r of REGIONS) running[r] = worker(r);
  await Promise.all(REGIONS.map((r) => workerStarted(running[r]!)));

  // The first kills land in a merge (us) and in an extract (eu) for sure, watched side by side so
  // neither region's run can finish while the other is awaited; the rest at seeded random moments.
  const killDuring = async (index: number, type: string): Promise<void> => {
    const region = REGIONS[index]!;
    await waitForActivity(handles[index]!, type);
    await killProcess(running[region]!);
    running[region] = worker(region);
  };
  await Promise.all([killDuring(0, 'mergeStaged'), killDuring(1, 'extractToStage')]);
  let kills = 2;
  let runs = 1;
  let seed = 20261127;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  while (kills < 20) {
    if (done) {
      // The load outran the kills: more messages arrive and the next runs load them, still being killed.
      await finished;
      for (const cell of CELLS) produced[cell] = produced[cell]! + (await produce(cell, topic, clicks(cell, produced[cell]!, 20_000)));
      handles = await Promise.all(REGIONS.map((r) => startPipeline(client, config, 'events', r)));
      allHandles.push(...handles);
      finished = Promise.all(handles.map((h) => h.result()));
      done = false;
      void finished.finally(() => (done = true));
      runs++;
    }
    await new Promise((r) => setTimeout(r, 300 + random() * 1_500));
    const region = REGIONS[Math.floor(random() * REGIONS.length)]!;
    await killProcess(running[region]!);
    kills++;
    console.log(`topic kill test: kill ${kills} (${region}) after ${Math.round((Date.now() - started) / 1000)} s, run ${runs}`);
    running[region] = worker(region);
    await workerStarted(running[region]);
  }
  await finished;
  const histories = await Promise.all(allHandles.map((h) => h.fetchHistory()));
  const retried = histories.flatMap((h) => h.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
  expect(retried.length, 'killed activities were retried').toBeGreaterThanOrEqual(1);

  // One more run picks up whatever arrived after the last one planned; it all adds up exactly.
  await Promise.all(REGIONS.map(async (r) => (await startPipeline(client, config, 'events', r)).result()));
  console.log(`topic kill test: ${kills} kills over ${runs} run(s) per region, ${Object.values(produced).reduce((a, b) => a + b, 0)} messages`);
  await expectExactlyOnce();
}, 1_500_000);
