// A demo-like run and a short load for the pictures in docs/observability.md: the local config's
// orders (fact, both regions) and clicks (topic, every cell) pipelines, in a schema and task
// queues of their own, with both regions' workers in this process serving one Prometheus
// endpoint that the local Prometheus scrapes (a file_sd target). Each round changes the sources,
// produces clicks faster than one run loads them, and runs both pipelines. Prints the time range
// as JSON for render.py. Run by pictures.sh.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../../config/load.js';
import { kafkaEndpoints, pipelineRegions } from '../../../config/resolve.js';
import { createDeps } from '../../../activities/deps.js';
import { createMetrics } from '../../../activities/metrics/index.js';
import { reportTargets } from '../../../activities/metrics/targets.js';
import { connectClient, runPipeline } from '../../../client/run-pipeline.js';
import { createRegionWorker } from '../../../workers/create-worker.js';
import { workflowBundleOptions } from '../../../workers/workflows-path.js';
import { changeOrders, seedOrders, adminUrl, withUrl } from '../../../cli/demo/sample-data.js';
import { ensureTopic, produceClicks, topicMessages } from '../../../cli/demo/sample-clicks.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const ROUNDS = Number(process.env.PICTURES_ROUNDS ?? 10);
const PAUSE_MS = 15_000;
const PORT = Number(process.env.PICTURES_METRICS_PORT ?? 9466);

const base = loadConfig(join(root, 'config/examples/local.yaml'));
const config = {
  ...base,
  warehouse: { ...base.warehouse, schema: 'pictures' },
  temporal: { ...base.temporal, taskQueuePrefix: 'pictures' },
  metrics: { prometheus: { host: '127.0.0.1', port: PORT, runtimeMetrics: false } },
  pipelines: base.pipelines.map((p) =>
    p.kind === 'fact' ? { ...p, slo: { freshnessSeconds: 60 } } : p.kind === 'topic' ? { ...p, topic: 'pictures_clicks', target: 'pictures_clicks', options: { ...p.options, maxMessagesPerPartition: 250, maxBatchesPerPartition: 1 } } : p,
  ),
};
const orders = config.pipelines.find((p) => p.kind === 'fact')!;
const clicks = config.pipelines.find((p) => p.kind === 'topic')!;
const regions = pipelineRegions(config, orders);

Runtime.install({ logger: new DefaultLogger('WARN') });
const { metrics } = await createMetrics(config.metrics);
const stops = regions.map((r) => reportTargets(metrics, config, r));
const targets = join(root, '.local-stack/prometheus/targets');
mkdirSync(targets, { recursive: true });
const targetFile = join(targets, 'pictures.json');
writeFileSync(targetFile, JSON.stringify([{ targets: [`127.0.0.1:${PORT}`], labels: { job_part: 'pictures' } }]));

const workflowBundle = await bundleWorkflowCode({ ...workflowBundleOptions, logger: new DefaultLogger('WARN') });
const deps = createDeps(config, metrics);
const workers = await Promise.all(regions.map((r) => createRegionWorker(config, r, { deps, workflowBundle })));
const client = await connectClient(config);
let finish = () => {};
const done = new Promise<void>((resolve) => (finish = resolve));
const running = Promise.all(workers.map((w) => w.worker.runUntil(done)));
const start = Date.now() / 1000;
try {
  for (const [i, r] of regions.entries()) await withUrl(adminUrl(r), (c) => seedOrders(c, 20_000 - i * 5_000, i + 1));
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of regions) {
      if (round > 0) await withUrl(adminUrl(r), (c) => changeOrders(c, 40 + round, 500 + 200 * round));
      for (const e of kafkaEndpoints(config, clicks.source, r)) {
        await ensureTopic(e.brokers, 'pictures_clicks');
        await produceClicks(e.brokers, 'pictures_clicks', e.cell ?? '', 1_500, (await topicMessages(e.brokers, 'pictures_clicks')) + 1);
      }
    }
    // The last rounds skip eu's orders run: its freshness passes the SLO, as in an incident.
    const late = round >= ROUNDS - 3;
    await Promise.all([...regions.filter((r) => !(late && r === 'eu')).map((r) => runPipeline(client, config, orders.name, r)), ...regions.map((r) => runPipeline(client, config, clicks.name, r))]);
    console.error(`round ${round + 1}/${ROUNDS} done`);
    await new Promise((r) => setTimeout(r, PAUSE_MS));
  }
  // Two more scrapes after the last run.
  await new Promise((r) => setTimeout(r, 12_000));
} finally {
  finish();
  await running;
  await client.connection.close();
  await Promise.all(workers.map((w) => w.connection.close()));
  stops.forEach((s) => s());
  await metrics.close();
  rmSync(targetFile, { force: true });
}
console.log(JSON.stringify({ start, end: Date.now() / 1000 }));
