// Metrics after real runs: a worker process (workers/main.ts) with statsd and Prometheus
// configured runs a fact pipeline twice (a first load, then updates) through Temporal. This
// test is the Datadog agent (a UDP socket receiving the DogStatsD packets) and the Prometheus
// server (it scrapes /metrics); both must show what the runs did, tagged by pipeline, region
// and source, and /metrics must carry the Temporal SDK's runtime metrics too.
import type { Socket } from 'node:dgram';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { connectClient, runPipeline } from '../../client/run-pipeline.js';
import type { TributaryConfig } from '../../config/schema.js';
import type { SyncResult } from '../../activities/types.js';
import { freeLoopbackPort } from '../../activities/metrics/prometheus-endpoint.js';
import { stackConfig, uniqueName } from './stack.js';
import { listenStatsd } from './statsd-agent.js';
import { createFactTable, dropFactTable, dropSchema, updateEvery } from './fact-fixture.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

const table = uniqueName('metrics_orders');
let config: TributaryConfig;
let client: Client;
let worker: WorkerProcess;
let udp: Socket;
let promPort: number;
const lines: string[] = [];

interface Stat {
  name: string;
  value: number;
  type: string;
  tags: Record<string, string>;
}

/** "tributary.rows.inserted:7|c|#pipeline:orders,region:us" -> its parts. */
function parseStat(line: string): Stat {
  const [head, type, tagPart] = line.split('|') as [string, string, string?];
  const i = head.lastIndexOf(':');
  const tags = Object.fromEntries((tagPart?.replace(/^#/, '').split(',') ?? []).filter(Boolean).map((t) => [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)]));
  return { name: head.slice(0, i), value: Number(head.slice(i + 1)), type, tags };
}

const stats = () => lines.map(parseStat).filter((s) => s.tags.pipeline === 'orders');
const sum = (name: string) => stats().filter((s) => s.name === name).reduce((a, s) => a + s.value, 0);

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!ok()) throw new Error(`statsd: ${what} never arrived; received:\n${lines.join('\n')}`);
}

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${promPort}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one Prometheus sample with exactly these labels. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

beforeAll(async () => {
  udp = await listenStatsd(lines);
  promPort = await freeLoopbackPort();
  config = stackConfig([
    { name: 'orders', kind: 'fact', source: 'app', table: `public.${table}`, key: ['id'], watermark: 'updated_at', regions: ['us'], options: { lagSeconds: 0, lookbackSeconds: 5 } },
  ]);
  config.metrics = {
    statsd: { host: '127.0.0.1', port: udp.address().port, prefix: 'tributary.', tags: { env: 'test' } },
    prometheus: { host: '127.0.0.1', port: promPort, runtimeMetrics: true },
  };
  await createFactTable('us', table, 2_500);
  worker = await startWorkerProcess(config, 'us', { TRIBUTARY_LOG_LEVEL: 'warn' });
  client = await connectClient(config);
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  udp?.close();
  await dropFactTable(table);
  await dropSchema(config.warehouse.schema);
});

it('sends DogStatsD counters and serves Prometheus metrics that match the runs', async () => {
  const runs: SyncResult[] = [];
  runs.push(await runPipeline(client, config, 'orders', 'us'));
  expect(runs[0]).toMatchObject({ inserted: 2_500, updated: 0 });
  const changed = await updateEvery('us', table, 10);
  runs.push(await runPipeline(client, config, 'orders', 'us'));
  expect(runs[1]).toMatchObject({ inserted: 0, updated: changed });

  const total = (k: 'inserted' | 'updated' | 'deleted' | 'rowsStaged' | 'units') => runs.reduce((a, r) => a + r[k], 0);

  // DogStatsD: the counters add up to what the runs report, and every packet is tagged.
  // Packets are buffered and flushed on a timer: wait for every metric of every batch, not the first ones.
  const count = (name: string) => stats().filter((s) => s.name === name).length;
  await until(
    'every batch',
    () =>
      sum('tributary.batches') === total('units') &&
      sum('tributary.rows.updated') === changed &&
      count('tributary.batch.duration_ms') === total('units') &&
      count('tributary.freshness_seconds') === total('units'),
  );
  expect(sum('tributary.rows.inserted')).toBe(2_500);
  expect(sum('tributary.rows.updated')).toBe(changed);
  expect(sum('tributary.rows.deleted')).toBe(0);
  expect(sum('tributary.rows.read')).toBe(total('rowsStaged'));
  const counters = stats().filter((s) => s.name.startsWith('tributary.rows.'));
  expect(counters.length).toBeGreaterThan(0);
  // Per-batch metrics carry the source and kind; per-run ones and the config's targets, pipeline and region.
  const perRun = /^tributary\.(runs|run\.|slo\.|schedule\.)/;
  for (const s of stats()) {
    expect(s.tags).toMatchObject(perRun.test(s.name) ? { pipeline: 'orders', region: 'us', env: 'test' } : { pipeline: 'orders', region: 'us', source: 'app/us', kind: 'fact', env: 'test' });
    expect(s.name).not.toMatch(/orders|\.us\b|app/);
  }
  // A run's metrics may be flushed in more than one packet: wait for each of them, not the first.
  await until('both runs', () => stats().filter((s) => s.name === 'tributary.runs' && s.tags.outcome === 'succeeded').length === 2 && count('tributary.run.rows') === 2);
  expect(stats().filter((s) => s.name === 'tributary.run.rows').map((s) => s.value)).toEqual(runs.map((r) => r.rowsStaged));
  expect(stats().find((s) => s.name === 'tributary.slo.freshness_seconds')?.value).toBe(900 + 900);
  const timers = stats().filter((s) => s.name === 'tributary.batch.duration_ms');
  expect(timers).toHaveLength(total('units'));
  expect(timers.every((t) => t.type === 'ms' && t.value >= 0)).toBe(true);
  const fresh = stats().filter((s) => s.name === 'tributary.freshness_seconds');
  expect(fresh.length).toBe(total('units'));
  expect(fresh.every((f) => f.type === 'g' && f.value >= 0)).toBe(true);

  // Prometheus: the same numbers under labels, and the Temporal SDK's metrics on the same endpoint.
  const text = await scrape();
  const labels = 'pipeline="orders",region="us",cell="",source="app/us",kind="fact"';
  expect(sample(text, 'tributary_rows_inserted_total', labels)).toBe(2_500);
  expect(sample(text, 'tributary_rows_updated_total', labels)).toBe(changed);
  expect(sample(text, 'tributary_rows_read_total', labels)).toBe(total('rowsStaged'));
  expect(sample(text, 'tributary_batches_total', labels)).toBe(total('units'));
  expect(sample(text, 'tributary_batch_duration_seconds_count', labels)).toBe(total('units'));
  expect(sample(text, 'tributary_freshness_seconds', labels)).toBeGreaterThanOrEqual(0);
  expect(text).toMatch(/^temporal_activity_execution_latency_count\{[^}]*activity_type="planRange"[^}]*task_queue="test-[^"]+-us"[^}]*\} [1-9]/m);
  expect(text).toMatch(/^temporal_workflow_completed_total\{[^}]*workflow_type="syncPipeline"[^}]*\} 2$/m);
});
