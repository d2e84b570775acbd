// No secret reaches a log, an error, workflow history or a metric. A worker process runs with a
// source password made for this test (its own role, handed over by the env provider), at debug
// level, with statsd and Prometheus on; it runs a pipeline that succeeds and one that fails.
// Then the password is searched for in everything that came out: the process's whole output,
// the failed run's error chain, both runs' full workflow histories (payloads decoded), the
// statsd packets and the Prometheus scrape. Each of those is first checked to hold what it
// should (so an empty capture cannot pass).
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { connectClient, startPipeline } from '../../client/run-pipeline.js';
import type { TributaryConfig } from '../../config/schema.js';
import { freeLoopbackPort } from '../../activities/metrics/prometheus-endpoint.js';
import { STACK, stackConfig, uniqueName } from './stack.js';
import { createFactTable, dropFactTable, dropSchema } from './fact-fixture.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';
import { createReaderRole, dropRole, localSecrets } from './source-role.js';

const table = uniqueName('leak_orders');
const missing = uniqueName('leak_missing');
const role = uniqueName('tributary_leak');
const PASSWORD = `Leak-${randomBytes(12).toString('hex')}`;
const ENV_PREFIX = 'TRIBUTARY_LEAKTEST_';
let config: TributaryConfig;
let client: Client;
let worker: WorkerProcess;
let udp: Socket;
let promPort: number;
const packets: string[] = [];

/** Everything a value holds as text: protobuf byte fields (payloads) decoded as UTF-8 and as base64. */
function asText(value: unknown): string {
  const seen: string[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Uint8Array) {
      seen.push(Buffer.from(v).toString('utf8'), Buffer.from(v).toString('base64'));
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') seen.push(String(v));
  };
  walk(value);
  return seen.join('\n');
}

/** An error, its stack and every cause, with all own properties. */
function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e = err; e; e = (e as { cause?: unknown }).cause) {
    parts.push(String((e as Error).stack), JSON.stringify(e, Object.getOwnPropertyNames(e)));
  }
  return parts.join('\n');
}

function variable(name: string): string {
  return ENV_PREFIX + name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

beforeAll(async () => {
  udp = createSocket('udp4');
  udp.on('message', (msg) => packets.push(msg.toString()));
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  promPort = await freeLoopbackPort();
  await createFactTable('us', table, 1_000);
  await createReaderRole('us', role, PASSWORD, [table]);
  const pipeline = { kind: 'fact', source: 'app', key: ['id'], watermark: 'updated_at', regions: ['us'], options: { lagSeconds: 0 } };
  config = stackConfig([
    { ...pipeline, name: 'orders', table: `public.${table}` },
    { ...pipeline, name: 'broken', table: `public.${missing}` },
  ]);
  config.secrets = { provider: 'env', prefix: ENV_PREFIX, ttlSeconds: 300 };
  config.metrics = { statsd: { host: '127.0.0.1', port: udp.address().port, prefix: 'tributary.' }, prometheus: { host: '127.0.0.1', port: promPort, runtimeMetrics: true } };
  const url = new URL(STACK.source.us!);
  const local = localSecrets();
  worker = await startWorkerProcess(config, 'us', {
    TRIBUTARY_LOG_LEVEL: 'debug',
    [variable('app-us')]: JSON.stringify({ host: url.hostname, port: Number(url.port), username: role, password: PASSWORD, dbname: 'app' }),
    [variable('app-eu')]: JSON.stringify(local['app-eu']),
    [variable('warehouse')]: JSON.stringify(local.warehouse),
  });
  client = await connectClient(config);
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  udp?.close();
  await dropRole('us', role);
  await dropFactTable(table);
  await dropSchema(config.warehouse.schema);
});

it('keeps the source password out of logs, errors, workflow history and metrics', async () => {
  const ok = await startPipeline(client, config, 'orders', 'us');
  expect(await ok.result()).toMatchObject({ inserted: 1_000 });

  const failed = await startPipeline(client, config, 'broken', 'us');
  const error = await failed.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  const errors = errorText(error);
  expect(errors).toContain(`table public.${missing} does not exist`);

  const histories = asText([await ok.fetchHistory(), await failed.fetchHistory()]);
  expect(histories).toContain('mergeStaged');
  expect(histories).toContain(`public.${missing} does not exist`);

  // Metrics and logs are flushed by the time the worker has stopped.
  const scrape = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text();
  expect(scrape).toContain('tributary_rows_inserted_total{pipeline="orders"');
  await worker.stop();
  const logs = worker.output();
  expect(logs).toContain('"msg":"merged"');
  expect(logs).toContain(`public.${missing} does not exist`);
  expect(logs).toContain('"pipeline":"orders"');
  const statsd = packets.join('\n');
  expect(statsd).toContain('tributary.rows.inserted:1000|c|#pipeline:orders');

  const where = { logs, errors, histories, scrape, statsd };
  for (const [name, text] of Object.entries(where)) {
    expect(text.includes(PASSWORD), `the password is in the ${name}`).toBe(false);
    expect(text.includes(Buffer.from(PASSWORD).toString('base64')), `the password (base64) is in the ${name}`).toBe(false);
  }
});
