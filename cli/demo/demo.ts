// The demo (make demo runs it through cli/demo/main.ts): seeds both regional sources, runs the
// orders pipeline through Temporal for each region (workers in this process), changes the
// sources, runs again, and prints what the warehouse holds next to the source. Then the clicks
// topic pipeline: JSON messages (a few of them poison) from every cell cluster, loaded by exact
// offset ranges, checked message by message, and the status table of both pipelines.
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { connectClient, runPipeline } from '../../client/run-pipeline.js';
import { findPipeline, kafkaEndpoints, pipelineRegions, targetTable } from '../../config/resolve.js';
import { taskQueue } from '../../names/temporal-ids.js';
import type { TributaryConfig } from '../../config/schema.js';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { createRegionWorker } from '../../workers/create-worker.js';
import { workflowBundleOptions } from '../../workers/workflows-path.js';
import { printResults, table } from '../output.js';
import { statusTable } from '../commands/status.js';
import { pipelineStatus, type StatusRow } from '../../client/status.js';
import { adminUrl, changeOrders, resetPipeline, seedOrders, warehouseAdminUrl, withUrl } from './sample-data.js';
import { ensureTopic, produceClicks, topicMessages } from './sample-clicks.js';
import pg from 'pg';

const PIPELINE = 'orders';
const COLUMNS = ['id', 'customer_id', 'amount', 'status', 'note', 'created_at', 'updated_at'];

export async function demo(config: TributaryConfig): Promise<number> {
  const p = findPipeline(config, PIPELINE);
  if (p.kind !== 'fact') throw new Error(`the demo needs the fact pipeline "${PIPELINE}" in the config`);
  const regions = pipelineRegions(config, p);
  const target = targetTable(config, p);

  console.log(`1. Seeding public.orders in the sources of ${regions.join(' and ')}...`);
  for (const [i, region] of regions.entries()) await withUrl(adminUrl(region), (c) => seedOrders(c, 20_000 - i * 5_000, i + 1));
  await withUrl(warehouseAdminUrl(), (c) => resetPipeline(c, config.warehouse.schema, target, PIPELINE));

  console.log('2. Starting one worker per region (task queues ' + regions.map((r) => taskQueue(config, r)).join(', ') + ')...');
  // The demo prints its own summary; the SDK and activities log warnings only.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const workflowBundle = await bundleWorkflowCode({ ...workflowBundleOptions, logger: new DefaultLogger('WARN') });
  const workers = await Promise.all(regions.map((r) => createRegionWorker(config, r, { workflowBundle })));
  const client = await connectClient(config);
  const runAll = () => Promise.all(regions.map((r) => runPipeline(client, config, PIPELINE, r)));
  let clicks: (string | number)[][];
  let status: StatusRow[];
  let finish = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const running = Promise.all(workers.map((w) => w.worker.runUntil(done)));
  try {
    console.log('3. First run (initial load), through Temporal:');
    printResults(await runAll(), false);

    console.log('\n4. Changing the sources (updates and new rows), then the second run (incremental):');
    for (const region of regions) await withUrl(adminUrl(region), (c) => changeOrders(c, 50, 1_000));
    printResults(await runAll(), false);

    clicks = await clicksDemo(config, client);
    status = (await pipelineStatus(client, config)).filter((r) => r.pipeline === PIPELINE || (r.pipeline === CLICKS && clicks.length > 0));
  } finally {
    finish();
    await running;
    await client.connection.close();
    await Promise.all(workers.map((w) => w.connection.close()));
  }

  console.log('\n7. The orders table in the warehouse, next to the sources:');
  const rows: (string | number)[][] = [];
  for (const region of regions) {
    const src = await withUrl(adminUrl(region), (c) => tableChecksum(c, ['public', 'orders'], p.key, COLUMNS));
    const dst = await withUrl(warehouseAdminUrl(), (c) => tableChecksum(c, target, p.key, COLUMNS, region));
    rows.push([region, src.rows, dst.rows, dst.rows - dst.distinctKeys, src.checksum === dst.checksum ? 'equal' : 'DIFFERENT']);
  }
  console.log(table(['region', 'source rows', 'warehouse rows', 'duplicate keys', 'per-row checksum'], rows));
  if (clicks.length > 0) {
    console.log('\n8. Kafka: every message of the clicks topics is a warehouse row or a dead letter, once:');
    console.log(table(['region', 'messages in topics', 'warehouse rows', 'dead letters', 'duplicate offsets', 'rows + dead letters'], clicks));
  }
  console.log('\n9. `tributary status` (the runs were started by hand: no schedules yet):');
  console.log(statusTable(status));
  console.log(`\nWarehouse table: ${target.join('.')} (psql ${warehouseAdminUrl().replace(/:[^:@/]*@/, ':***@')})`);
  console.log(`See the runs in the Temporal UI: http://127.0.0.1:8233/namespaces/${config.temporal.namespace}/workflows`);
  const ordersOk = rows.every((r) => r[4] === 'equal' && r[3] === 0);
  const clicksOk = clicks.every((r) => r[4] === 0 && r[5] === 'equal');
  return ordersOk && clicksOk ? 0 : 1;
}

const CLICKS = 'clicks';

/** Produces clicks to every cell cluster of the pipeline's regions, runs it, and counts what landed. */
async function clicksDemo(config: TributaryConfig, client: Awaited<ReturnType<typeof connectClient>>): Promise<(string | number)[][]> {
  const p = config.pipelines.find((x) => x.name === CLICKS);
  if (!p || p.kind !== 'topic') return [];
  const regions = pipelineRegions(config, p);
  const target = targetTable(config, p);
  console.log(`\n5. Kafka: producing clicks to topic "${p.topic}" on every cell cluster (1 in 500 is not JSON)...`);
  await withUrl(warehouseAdminUrl(), (c) => resetPipeline(c, config.warehouse.schema, target, CLICKS));
  for (const region of regions) {
    for (const e of kafkaEndpoints(config, p.source, region)) {
      await ensureTopic(e.brokers, p.topic);
      await produceClicks(e.brokers, p.topic, e.cell, 2_000, (await topicMessages(e.brokers, p.topic)) + 1);
    }
  }
  console.log('6. Running the clicks pipeline for each region (all cells and partitions, exact offset ranges):');
  printResults(await Promise.all(regions.map((r) => runPipeline(client, config, CLICKS, r))), false);

  const { escapeIdentifier: ident } = pg;
  const out: (string | number)[][] = [];
  for (const region of regions) {
    let messages = 0;
    for (const e of kafkaEndpoints(config, p.source, region)) messages += await topicMessages(e.brokers, p.topic);
    const counts = await withUrl(warehouseAdminUrl(), async (c) => {
      const rows = await c.query<{ n: number; distinct_offsets: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT (_source, kafka_partition, kafka_offset))::int AS distinct_offsets FROM ${ident(target[0])}.${ident(target[1])} WHERE _region = $1`,
        [region],
      );
      const dead = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ident(config.warehouse.schema)}.tributary_dead_letters WHERE pipeline = $1 AND region = $2`, [CLICKS, region]);
      return { rows: rows.rows[0]!.n, duplicates: rows.rows[0]!.n - rows.rows[0]!.distinct_offsets, dead: dead.rows[0]!.n };
    });
    out.push([region, messages, counts.rows, counts.dead, counts.duplicates, counts.rows + counts.dead === messages ? 'equal' : 'DIFFERENT']);
  }
  return out;
}
