// `tributary demo`: seeds both regional sources, runs the orders pipeline through Temporal for
// each region (workers in this process), changes the sources, runs again, and prints what the
// warehouse holds next to the source.
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { connectClient, runPipeline } from '../../client/run-pipeline.js';
import { findPipeline, pipelineRegions, targetTable } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { tableChecksum } from '../../activities/postgres/table-checksum.js';
import { createRegionWorker } from '../../workers/create-worker.js';
import { workflowsPath } from '../../workers/workflows-path.js';
import { printResults, table } from '../output.js';
import { adminUrl, changeOrders, resetPipeline, seedOrders, warehouseAdminUrl, withUrl } from './sample-data.js';

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

  console.log('2. Starting one worker per region (task queues ' + regions.map((r) => `${config.temporal.taskQueuePrefix}-${r}`).join(', ') + ')...');
  // The demo prints its own summary; the SDK and activities log warnings only.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  const workers = await Promise.all(regions.map((r) => createRegionWorker(config, r, { workflowBundle })));
  const client = await connectClient(config);
  const runAll = () => Promise.all(regions.map((r) => runPipeline(client, config, PIPELINE, r)));
  let finish = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const running = Promise.all(workers.map((w) => w.worker.runUntil(done)));
  try {
    console.log('3. First run (initial load), through Temporal:');
    printResults(await runAll(), false);

    console.log('\n4. Changing the sources (updates and new rows), then the second run (incremental):');
    for (const region of regions) await withUrl(adminUrl(region), (c) => changeOrders(c, 50, 1_000));
    printResults(await runAll(), false);
  } finally {
    finish();
    await running;
    await client.connection.close();
    await Promise.all(workers.map((w) => w.connection.close()));
  }

  console.log('\n5. The warehouse, next to the sources:');
  const rows: (string | number)[][] = [];
  for (const region of regions) {
    const src = await withUrl(adminUrl(region), (c) => tableChecksum(c, ['public', 'orders'], p.key, COLUMNS));
    const dst = await withUrl(warehouseAdminUrl(), (c) => tableChecksum(c, target, p.key, COLUMNS, region));
    rows.push([region, src.rows, dst.rows, dst.rows - dst.distinctKeys, src.checksum === dst.checksum ? 'equal' : 'DIFFERENT']);
  }
  console.log(table(['region', 'source rows', 'warehouse rows', 'duplicate keys', 'per-row checksum'], rows));
  console.log(`\nWarehouse table: ${target.join('.')} (psql ${warehouseAdminUrl().replace(/:[^:@/]*@/, ':***@')})`);
  console.log(`See the runs in the Temporal UI: http://127.0.0.1:8233/namespaces/${config.temporal.namespace}/workflows`);
  return rows.every((r) => r[4] === 'equal' && r[3] === 0) ? 0 : 1;
}
