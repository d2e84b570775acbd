// A run of a small table is one activity: its plan extracts and merges it (smallReadRows), with
// the same stage, ledger row and checkpoint as the workflow's own activities. A larger read still
// runs as plan, extract and merge; a small unit whose merge fails goes back to the workflow,
// whose merge finds the batch already in the ledger.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client, WorkflowHandle } from '@temporalio/client';
import pg from 'pg';
import { replayStaged } from '../../client/replay.js';
import { connectClient, startPipeline } from '../../client/run-pipeline.js';
import { targetTable } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { createRegionWorker, type RegionWorker } from '../../workers/create-worker.js';
import { createFactTable, dropFactTable, dropSchema, expectWarehouseEqualsSource, insertRows, updateEvery } from './fact-fixture.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';

const { escapeIdentifier: ident } = pg;
const facts = uniqueName('small_fact');
const dims = uniqueName('small_dim');
const larger = uniqueName('small_larger');
let config: TributaryConfig;
let client: Client;
let region: RegionWorker;
let running: Promise<void>;

const target = (name: string) => targetTable(config, config.pipelines.find((p) => p.name === name)!);

/** The activities a run scheduled, in order. */
async function activities(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name ?? '?'] : []));
}

async function run(name: string) {
  const handle = await startPipeline(client, config, name, 'us');
  return { result: await handle.result(), activities: await activities(handle) };
}

beforeAll(async () => {
  const base = { kind: 'fact', source: 'app', key: ['id'], watermark: 'updated_at', regions: ['us'] };
  config = stackConfig([
    { ...base, name: 'facts', table: `public.${facts}`, options: { lagSeconds: 0 } },
    { name: 'dims', kind: 'dimension', source: 'app', key: ['id'], regions: ['us'], table: `public.${dims}` },
    // 1,000 rows are more than this pipeline's small read.
    { ...base, name: 'larger', table: `public.${larger}`, options: { lagSeconds: 0, smallReadRows: 999 } },
  ]);
  await createFactTable('us', facts, 1_000);
  await createFactTable('us', dims, 800);
  await createFactTable('us', larger, 1_000);
  client = await connectClient(config);
  region = await createRegionWorker(config, 'us');
  running = region.worker.run();
});

afterAll(async () => {
  region?.worker.shutdown();
  await running?.catch(() => undefined);
  await region?.connection.close();
  await client?.connection.close();
  for (const t of [facts, dims, larger]) await dropFactTable(t);
  await dropSchema(config.warehouse.schema);
});

it('loads, changes and polls small tables in one activity a run, equal to the source each time', async () => {
  const first = await Promise.all(['facts', 'dims', 'larger'].map(run));
  expect(first.map((r) => r.activities)).toEqual([['planRange'], ['planRange'], ['planRange', 'extractToStage', 'mergeStaged']]);
  expect(first.map((r) => [r.result.units, r.result.inserted])).toEqual([
    [1, 1_000],
    [1, 800],
    [1, 1_000],
  ]);
  await expectWarehouseEqualsSource('us', facts, target('facts'));
  await expectWarehouseEqualsSource('us', dims, target('dims'));
  await expectWarehouseEqualsSource('us', larger, target('larger'));

  // Updates, new rows and (for the dimension) deletes.
  const updated = await updateEvery('us', facts, 7);
  await updateEvery('us', dims, 5);
  await withClient(STACK.source.us!, async (c) => {
    await insertRows(c, facts, 1_001, 50);
    await c.query(`DELETE FROM public.${ident(dims)} WHERE id % 9 = 0`);
  });
  const second = await Promise.all(['facts', 'dims'].map(run));
  expect(second.map((r) => r.activities)).toEqual([['planRange'], ['planRange']]);
  expect(second[0]!.result).toMatchObject({ units: 1, inserted: 50, updated });
  expect(second[1]!.result.deleted).toBe(88);
  await expectWarehouseEqualsSource('us', facts, target('facts'));
  await expectWarehouseEqualsSource('us', dims, target('dims'));

  // Nothing new: one activity, nothing staged, and the checkpoint still moves (the next range starts where this one ended).
  const idle = await run('facts');
  expect(idle.activities).toEqual(['planRange']);
  expect(idle.result).toMatchObject({ units: 1, rowsStaged: 0, inserted: 0, updated: 0 });
  expect(idle.result.ranges[0]!.from).toBe(second[0]!.result.ranges[0]!.to);
  const next = await run('facts');
  expect(next.result.ranges[0]!.from).toBe(idle.result.ranges[0]!.to);

  // Replay finds the batches the plans staged: every run's, in order, files still in the stage.
  const listed = await replayStaged(client, config, { pipeline: 'facts', region: 'us', dryRun: true });
  expect(listed.map((b) => b.rows)).toEqual([1_000, 50 + updated, 0, 0]);
  expect(listed.every((b) => b.missing.length === 0 && b.batchId.endsWith(':0:whole'))).toBe(true);
}, 180_000);

it('hands a small unit whose merge fails back to the workflow, whose merge finds it committed', async () => {
  // A row deleted in the warehouse by hand: the merge writes it back, commits, and fails the run for the drift.
  const [schema, table] = target('dims');
  await withClient(STACK.warehouse, (c) => c.query(`DELETE FROM ${ident(schema)}.${ident(table)} WHERE id = (SELECT min(id) FROM ${ident(schema)}.${ident(table)})`));
  const handle = await startPipeline(client, config, 'dims', 'us');
  const err = await handle.result().then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(err).not.toBeNull();
  let cause: unknown = err;
  while (cause instanceof Error && cause.cause) cause = cause.cause;
  expect((cause as Error).message).toContain('1 row fewer of this source than the last run left');
  expect(await activities(handle)).toEqual(['planRange', 'extractToStage', 'mergeStaged']);
  // One merge wrote the row back: the workflow's found the batch in the ledger.
  await expectWarehouseEqualsSource('us', dims, target('dims'));
  const history = await handle.fetchHistory();
  const retried = (history.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
  expect(retried).toHaveLength(0);
}, 120_000);
