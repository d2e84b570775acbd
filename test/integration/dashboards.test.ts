// The dashboards and monitors (infra/dashboards) against real metrics. A worker process with
// DogStatsD and Prometheus configured runs a fact pipeline twice, a topic pipeline with poison
// messages and a backlog, a pipeline that fails, and a verify. Then every query of every panel
// and monitor is read: each metric it names must be one the worker emitted (the /metrics scrape;
// the DogStatsD packets caught on a local UDP socket, as the Datadog agent would), with every
// label or tag it filters or groups by; and each Grafana panel's PromQL must return series from
// the local Prometheus, which scrapes this worker (a file_sd target, test/integration/prometheus.ts).
import type { Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { connectClient, runPipeline } from '../../client/run-pipeline.js';
import { runVerify } from '../../client/verify.js';
import type { TributaryConfig } from '../../config/schema.js';
import { freeLoopbackPort } from '../../activities/metrics/prometheus-endpoint.js';
import { ROOT, uniqueName } from './stack.js';
import { listenStatsd } from './statsd-agent.js';
import { createFactTable, dropFactTable } from './fact-fixture.js';
import { clicks, createTopic, deleteTopic, dropSchema, produce, topicStackConfig } from './topic-fixture.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';
import { instantQuery, parseQuery, scrapedSince, scrapeTarget, type PromNode } from './prometheus.js';

/**
 * Metrics only a managed capture emits (slot WAL and activity from pg_replication_slots, connector
 * task state from Kafka Connect's REST API): this test's worker runs none, so their queries are
 * parsed but not demanded from it. managed-cdc.test.ts reads them from a worker with a capture.
 */
const PENDING = new Set([
  'tributary_cdc_slot_retained_wal_bytes',
  'tributary_cdc_slot_active',
  'tributary_cdc_connector_task_failed',
  'tributary.cdc.slot_retained_wal_bytes',
  'tributary.cdc.connector_task_failed',
]);

const table = uniqueName('dash_orders');
const topic = uniqueName('dash_clicks');
const CELLS = ['us/cell-1', 'us/cell-2'];
const PIPELINES = ['orders', 'clicks', 'broken'];
let config: TributaryConfig;
let client: Client;
let worker: WorkerProcess;
let udp: Socket;
let promPort: number;
let unregister = () => {};
const packets: string[] = [];
/** metric name -> the label names its scraped series carry. */
const scraped = new Map<string, Set<string>>();
/** statsd metric name -> its type (c, g, ms, h) and the tag keys its packets carry. */
const stats = new Map<string, { type: string; tags: Set<string> }>();

const dashboards = join(ROOT, 'infra/dashboards');
const grafana = JSON.parse(readFileSync(join(dashboards, 'grafana/tributary.json'), 'utf8')) as {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { name: string; type: string; query: unknown }[] };
};
const datadog = JSON.parse(readFileSync(join(dashboards, 'datadog/dashboard.json'), 'utf8')) as {
  template_variables: { name: string; prefix: string }[];
  widgets: { definition: { title: string; requests: { q: string }[] } }[];
};
const monitors = JSON.parse(readFileSync(join(dashboards, 'datadog/monitors.json'), 'utf8')) as { name: string; query: string }[];

/** Grafana's variables as the test's own values: its pipelines, region us, every cell, a 1-minute rate window. */
function substitute(expr: string): string {
  return expr.replaceAll('$pipeline', PIPELINES.join('|')).replaceAll('$region', 'us').replaceAll('$cell', '.*').replaceAll('$__rate_interval', '1m');
}

beforeAll(async () => {
  udp = await listenStatsd(packets);
  promPort = await freeLoopbackPort();
  config = topicStackConfig([
    { name: 'orders', kind: 'fact', source: 'app', table: `public.${table}`, key: ['id'], watermark: 'updated_at', regions: ['us'], schedule: '0 3 1 1 *', slo: { freshnessSeconds: 600 }, options: { lagSeconds: 0 } },
    {
      name: 'clicks',
      kind: 'topic',
      source: 'events',
      topic,
      target: uniqueName('dash_clicks'),
      regions: ['us'],
      schedule: '0 3 1 1 *',
      columns: [
        { name: 'id', path: 'id', type: 'bigint', required: true },
        { name: 'at', path: 'at', type: 'timestamptz', required: true },
      ],
      // One small batch per partition and run: the rest stays behind as Kafka lag.
      options: { maxMessagesPerPartition: 40, maxBatchesPerPartition: 1, maxDeadLetterRatio: 0.5 },
    },
    { name: 'broken', kind: 'fact', source: 'app', table: `public.${uniqueName('dash_missing')}`, key: ['id'], watermark: 'updated_at', regions: ['us'], schedule: '0 3 1 1 *' },
  ]);
  config.metrics = {
    statsd: { host: '127.0.0.1', port: udp.address().port, prefix: 'tributary.', tags: { env: 'test' } },
    prometheus: { host: '127.0.0.1', port: promPort, runtimeMetrics: false },
  };
  await createFactTable('us', table, 1_500);
  for (const cell of CELLS) {
    await createTopic(cell, topic, 2);
    // A poison message first on each partition, so the first (small) batch dead-letters it.
    await produce(cell, topic, [{ partition: 0, value: 'not json {' }, { partition: 1, value: '[1,2,3]' }, ...clicks(cell, 0, 200, 2)]);
  }
  worker = await startWorkerProcess(config, 'us', { TRIBUTARY_LOG_LEVEL: 'warn' });
  unregister = scrapeTarget(`dashboards-${config.temporal.taskQueuePrefix}`, promPort, { test: 'dashboards' });
  client = await connectClient(config);
  // Scraped from before the runs, so every counter has samples before and after them.
  await scrapedSince(promPort, new Date());

  await runPipeline(client, config, 'orders', 'us');
  await runPipeline(client, config, 'orders', 'us');
  await runPipeline(client, config, 'clicks', 'us');
  // Its table does not exist: the run fails (what, exactly, is status.test.ts's to check).
  await expect(runPipeline(client, config, 'broken', 'us')).rejects.toThrow(/Workflow execution failed/);
  await runVerify(client, config, { pipeline: 'orders', region: 'us', buckets: 4 });
  const ranAt = new Date();

  // Everything the runs made: the worker's own endpoint, every packet, and a Prometheus scrape after them.
  const text = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? /.exec(line);
    if (!m) continue;
    const labels = scraped.get(m[1]!) ?? new Set<string>();
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) labels.add(l[1]!);
    scraped.set(m[1]!, labels);
  }
  // Packets are buffered for up to half a second: wait for the last ones the runs sent.
  const arrived = () => packets.some((p) => p.startsWith('tributary.runs:') && p.includes('outcome:failed')) && packets.some((p) => p.startsWith('tributary.reconcile.drift_buckets:'));
  for (let i = 0; i < 100 && !arrived(); i++) await new Promise((r) => setTimeout(r, 100));
  for (const p of packets) {
    const [head, type, tagPart] = p.split('|') as [string, string, string?];
    const name = head.slice(0, head.lastIndexOf(':'));
    const entry = stats.get(name) ?? { type, tags: new Set<string>() };
    for (const t of tagPart?.replace(/^#/, '').split(',') ?? []) if (t) entry.tags.add(t.slice(0, t.indexOf(':')));
    stats.set(name, entry);
  }
  // Two scrapes after the runs: a rate over the last minute needs two samples.
  await scrapedSince(promPort, ranAt);
  await scrapedSince(promPort, new Date());
}, 300_000);

afterAll(async () => {
  unregister();
  await worker?.stop();
  await client?.connection.close();
  udp?.close();
  await dropFactTable(table);
  for (const cell of CELLS) await deleteTopic(cell, topic);
  await dropSchema(config.warehouse.schema);
});

/** The metric selectors of a parsed expression, and the label names each aggregation and match uses, with the selectors under it. */
function walk(node: unknown, uses: { labels: string[]; metrics: string[] }[], selectors: { name: string; labels: string[] }[]): string[] {
  if (node === null || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap((n) => walk(n, uses, selectors));
  const n = node as PromNode;
  if (Array.isArray(n.matchers)) {
    const name = n.name || n.matchers.find((m) => m.name === '__name__')?.value || '';
    selectors.push({ name, labels: n.matchers.map((m) => m.name).filter((l) => l !== '__name__') });
    return [name];
  }
  if (n.type === 'binaryExpr' && n.matching && n.matching.labels.length > 0) {
    const left = walk(n.lhs, uses, selectors);
    const right = walk(n.rhs, uses, selectors);
    if (n.matching.on) uses.push({ labels: n.matching.labels, metrics: left }, { labels: n.matching.labels, metrics: right });
    return [...left, ...right];
  }
  const under = Object.values(n).flatMap((v) => walk(v, uses, selectors));
  if (n.type === 'aggregation' && n.grouping && !n.without) uses.push({ labels: n.grouping, metrics: under });
  return under;
}

/** Every metric and label of one PromQL expression is one the worker emits (pending ones aside). */
async function checkPromQL(where: string, expr: string): Promise<string[]> {
  const uses: { labels: string[]; metrics: string[] }[] = [];
  const selectors: { name: string; labels: string[] }[] = [];
  walk(await parseQuery(expr), uses, selectors);
  expect(selectors.length, `${where}: no metric in ${expr}`).toBeGreaterThan(0);
  for (const s of selectors) {
    if (PENDING.has(s.name)) continue;
    expect(scraped.has(s.name), `${where}: the worker emits no ${s.name}`).toBe(true);
    for (const l of s.labels) expect([...scraped.get(s.name)!], `${where}: ${s.name} has no label ${l}`).toContain(l);
  }
  for (const u of uses) {
    for (const m of u.metrics.filter((x) => !PENDING.has(x))) for (const l of u.labels) expect([...scraped.get(m)!], `${where}: ${m} has no label ${l} (by/on)`).toContain(l);
  }
  return selectors.map((s) => s.name);
}

describe('the Grafana dashboard', () => {
  it('uses only metrics and labels the worker emits, and every panel query returns series from Prometheus', async () => {
    let queries = 0;
    for (const panel of grafana.panels) {
      for (const target of panel.targets) {
        const expr = substitute(target.expr);
        const metrics = await checkPromQL(`panel "${panel.title}"`, expr);
        queries++;
        if (metrics.some((m) => PENDING.has(m))) continue;
        const series = await instantQuery(expr);
        expect(series.length, `panel "${panel.title}": no series for ${expr}`).toBeGreaterThan(0);
      }
    }
    expect(queries).toBeGreaterThanOrEqual(15);
    // The variables' label_values() queries name real metrics and labels too.
    for (const v of grafana.templating.list.filter((x) => x.type === 'query')) {
      const q = (v.query as { query: string }).query;
      const m = /^label_values\((.+), *([a-z_]+)\)$/.exec(q);
      expect(m, `variable ${v.name}: ${q}`).not.toBeNull();
      await checkPromQL(`variable ${v.name}`, `count by (${m![2]}) (${substitute(m![1]!)})`);
    }
  });

  it('shows what the runs did: freshness under its SLO, rows per run, a failed run, dead letters, Kafka lag, zero drift', async () => {
    const one = async (expr: string) => {
      const s = await instantQuery(expr);
      expect(s, expr).toHaveLength(1);
      return Number(s[0]!.value![1]);
    };
    expect(await one('max(tributary_slo_freshness_seconds{pipeline="orders", region="us"})')).toBe(600);
    expect(await one('time() - max(tributary_freshness_timestamp_seconds{pipeline="orders", region="us"})')).toBeLessThan(600);
    // Two orders runs staged 1,500 rows, then none new.
    expect(await one('sum(tributary_run_rows_sum{pipeline="orders", region="us"})')).toBe(1_500);
    expect(await one('sum(tributary_runs_total{pipeline="orders", region="us", outcome="succeeded"})')).toBe(2);
    expect(await one('sum(tributary_runs_total{pipeline="broken", region="us", outcome="failed"})')).toBe(1);
    expect(await one('sum(tributary_rows_dead_lettered_total{pipeline="clicks", region="us"})')).toBeGreaterThan(0);
    expect(await one('sum(tributary_kafka_lag_messages{pipeline="clicks", region="us"})')).toBeGreaterThan(0);
    expect(await one('max(tributary_reconcile_drift_buckets{pipeline="orders", region="us"})')).toBe(0);
  });
});

/** Metric name, filter tag keys and group-by tag keys of every metric in a Datadog query. */
function datadogMetrics(query: string, variables: Map<string, string>): { metric: string; tags: string[] }[] {
  const out = [...query.matchAll(/(?:avg|sum|max|min):([a-z0-9_.]+)\{([^}]*)\}(?:\s*by\s*\{([^}]*)\})?/g)].map((m) => {
    const filters = m[2]!.split(',').map((f) => f.trim()).filter((f) => f && f !== '*');
    const tags = filters.map((f) => (f.startsWith('$') ? variables.get(f.slice(1))! : f.slice(0, f.indexOf(':'))));
    return { metric: m[1]!, tags: [...tags, ...(m[3]?.split(',').map((t) => t.trim()) ?? [])] };
  });
  expect(out.length, `no metric in ${query}`).toBeGreaterThan(0);
  return out;
}

/** The agent turns a timer or histogram into name.avg, .max, .95percentile...: the packet's name is the stem. */
function packetName(metric: string): string {
  const m = /^(.+)\.(avg|max|min|median|count|sum|95percentile)$/.exec(metric);
  return m && ['ms', 'h'].includes(stats.get(m[1]!)?.type ?? '') ? m[1]! : metric;
}

function checkDatadog(where: string, query: string, variables: Map<string, string>): void {
  for (const { metric, tags } of datadogMetrics(query, variables)) {
    if (PENDING.has(metric)) continue;
    const name = packetName(metric);
    expect(stats.has(name), `${where}: the worker sent no ${name} over DogStatsD`).toBe(true);
    for (const t of tags) expect([...stats.get(name)!.tags], `${where}: ${name} has no tag ${t}`).toContain(t);
  }
}

describe('the Datadog dashboard and monitors', () => {
  it('use only metrics and tags the worker sent over DogStatsD', () => {
    const variables = new Map(datadog.template_variables.map((v) => [v.name, v.prefix]));
    let queries = 0;
    for (const w of datadog.widgets) {
      for (const r of w.definition.requests) {
        checkDatadog(`widget "${w.definition.title}"`, r.q, variables);
        queries++;
      }
    }
    expect(queries).toBeGreaterThanOrEqual(15);
    expect(monitors.length).toBe(8);
    for (const m of monitors) checkDatadog(`monitor "${m.name}"`, m.query, variables);
  });
});
