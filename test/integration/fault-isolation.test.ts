// Fault isolation on the real stack: on the same region workers, two broken pipeline runs (a
// missing source table in one region; a missing watermark column) fail at once, each with its own
// error naming its pipeline, source and what is wrong, while the healthy pipeline completes in
// both regions with its own metrics, and the workers go on serving runs afterwards.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import { createDeps } from '../../activities/deps.js';
import { noopMetrics, type BatchCounts, type MetricTags, type PipelineMetrics } from '../../activities/metrics/metrics.js';
import { runPipeline } from '../../client/run-pipeline.js';
import { targetTable } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { startHarness, type Harness } from './harness.js';
import { createFactTable, dropFactTable, dropSchema, expectWarehouseEqualsSource, insertRows } from './fact-fixture.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';

const { escapeIdentifier: ident } = pg;
const good = uniqueName('fi_good');
const onlyEu = uniqueName('fi_only_eu');
const noWatermark = uniqueName('fi_nowm');
let config: TributaryConfig;
let client: Client;
let harness: Harness;
const batches: { tags: MetricTags; counts: BatchCounts }[] = [];

beforeAll(async () => {
  config = stackConfig([
    { name: 'good', kind: 'fact', source: 'app', table: `public.${good}`, key: ['id'], watermark: 'updated_at', options: { lagSeconds: 0 } },
    // Its table exists in eu only: the us run is broken, the eu run is not.
    { name: 'half', kind: 'fact', source: 'app', table: `public.${onlyEu}`, key: ['id'], watermark: 'updated_at', options: { lagSeconds: 0 } },
    { name: 'nowm', kind: 'fact', source: 'app', table: `public.${noWatermark}`, key: ['id'], watermark: 'changed_at', regions: ['us'], options: { lagSeconds: 0 } },
  ]);
  await createFactTable('us', good, 5_000);
  await createFactTable('eu', good, 4_000);
  await createFactTable('eu', onlyEu, 1_000);
  await createFactTable('us', noWatermark, 100);
  const metrics: PipelineMetrics = { ...noopMetrics, batch: (tags, counts) => batches.push({ tags, counts }) };
  harness = await startHarness(config, ['us', 'eu'], { deps: () => createDeps(config, metrics) });
  client = harness.client;
});

afterAll(async () => {
  await harness?.close();
  for (const t of [good, onlyEu, noWatermark]) await dropFactTable(t);
  await dropSchema(config.warehouse.schema);
});

/** The innermost cause of a failed run (workflow -> activity -> application failure). */
function failure(r: PromiseSettledResult<unknown>): string {
  if (r.status !== 'rejected') throw new Error('expected the run to fail, but it succeeded');
  let e: unknown = r.reason;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

it('fails the broken pipeline runs on their own, each with its own error, while the others complete', async () => {
  const run = (pipeline: string, region: string) => runPipeline(client, config, pipeline, region);
  const [goodUs, goodEu, halfUs, halfEu, nowm] = await Promise.allSettled([run('good', 'us'), run('good', 'eu'), run('half', 'us'), run('half', 'eu'), run('nowm', 'us')]);

  expect(goodUs.status === 'fulfilled' && goodUs.value.inserted).toBe(5_000);
  expect(goodEu.status === 'fulfilled' && goodEu.value.inserted).toBe(4_000);
  expect(halfEu.status === 'fulfilled' && halfEu.value.inserted, 'the same pipeline works in the region whose table exists').toBe(1_000);

  expect(failure(halfUs)).toBe(
    `pipeline half, source app/us: table public.${onlyEu} does not exist or has no columns the reader can see`,
  );
  expect(failure(nowm)).toMatch(
    new RegExp(`^pipeline nowm, source app/us: watermark column "changed_at" is not in the table \\(columns: id, `),
  );

  // Metrics are per pipeline, region and source: the healthy runs reported theirs, the broken ones none.
  const reported = (pipeline: string, region: string) => batches.filter((b) => b.tags.pipeline === pipeline && b.tags.region === region).reduce((n, b) => n + b.counts.inserted, 0);
  expect([reported('good', 'us'), reported('good', 'eu'), reported('half', 'eu'), reported('half', 'us'), reported('nowm', 'us')]).toEqual([5_000, 4_000, 1_000, 0, 0]);

  for (const r of ['us', 'eu']) await expectWarehouseEqualsSource(r, good, targetTable(config, config.pipelines[0]!));
  const half = targetTable(config, config.pipelines[1]!);
  const halfRows = await withClient(STACK.warehouse, (c) => c.query<{ region: string }>(`SELECT DISTINCT _region AS region FROM ${ident(half[0])}.${ident(half[1])}`));
  expect(halfRows.rows).toEqual([{ region: 'eu' }]);

  // The workers go on: once the table exists, the broken region runs; the healthy ones keep syncing.
  await createFactTable('us', onlyEu, 300);
  await withClient(STACK.source.us!, (c) => insertRows(c, good, 5_001, 20));
  expect((await run('half', 'us')).inserted).toBe(300);
  expect((await run('good', 'us')).inserted).toBe(20);
});
