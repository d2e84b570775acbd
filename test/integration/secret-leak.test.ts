// No secret reaches a log, an error, workflow history or a metric. A worker process runs with a
// source password made for this test (its own role, handed over by the env provider), at debug
// level, with statsd and Prometheus on; it runs a pipeline that succeeds and one that fails.
// Then the password is searched for in everything that came out: the process's whole output,
// the failed run's error chain, both runs' full workflow histories (payloads decoded), the
// statsd packets and the Prometheus scrape. Each of those is first checked to hold what it
// should (so an empty capture cannot pass).
//
// A second source's secret holds a host that is really a pasted mess of credentials (a
// connection string, a DSN with a password, a SASL JAAS config and an AWS key pair): connecting
// fails with an error that quotes it. That failure is a planning failure, which travels as the
// plan activity's result and then as the workflow's failure text; it is also what `tributary
// status` prints for the source's lag, and what `tributary run` prints as its error. None of
// those, nor the logs, may show any of the four.
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { connectClient, startPipeline } from '../../client/run-pipeline.js';
import type { TributaryConfig } from '../../config/schema.js';
import { freeLoopbackPort } from '../../activities/metrics/prometheus-endpoint.js';
import { ROOT, STACK, stackConfig, uniqueName, writeConfigFile } from './stack.js';
import { createFactTable, dropFactTable, dropSchema } from './fact-fixture.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';
import { createReaderRole, dropRole, localSecrets } from './source-role.js';

const table = uniqueName('leak_orders');
const missing = uniqueName('leak_missing');
const role = uniqueName('tributary_leak');
const PASSWORD = `Leak-${randomBytes(12).toString('hex')}`;
const ENV_PREFIX = 'TRIBUTARY_LEAKTEST_';
const hex = () => randomBytes(8).toString('hex');
/** The four kinds of credential, each with a value made for this test. */
const LEAKED = {
  connectionString: `cs-${hex()}`,
  dsnPassword: `dsn-${hex()}`,
  saslPassword: `sasl-${hex()}`,
  awsKeyId: `AKIA${hex().toUpperCase()}`,
  awsSecretKey: `aws-${hex()}${hex()}`,
};
const LEAKY_HOST = [
  `postgres://reader:${LEAKED.connectionString}@db.invalid:5432/app`,
  `host=db.invalid user=reader password=${LEAKED.dsnPassword} dbname=app`,
  `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="reader" password="${LEAKED.saslPassword}";`,
  `aws_access_key_id=${LEAKED.awsKeyId} aws_secret_access_key=${LEAKED.awsSecretKey}`,
].join(' ');
let secretsEnv: Record<string, string>;
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
    { ...pipeline, name: 'unreachable', source: 'leaky', table: `public.${table}`, target: 'unreachable_orders' },
  ], { sources: { leaky: { type: 'postgres', servers: [{ region: 'us', secret: 'leaky-us' }] } } });
  config.secrets = { provider: 'env', prefix: ENV_PREFIX, ttlSeconds: 300 };
  config.metrics = { statsd: { host: '127.0.0.1', port: udp.address().port, prefix: 'tributary.' }, prometheus: { host: '127.0.0.1', port: promPort, runtimeMetrics: true } };
  const url = new URL(STACK.source.us!);
  const local = localSecrets();
  secretsEnv = {
    [variable('app-us')]: JSON.stringify({ host: url.hostname, port: Number(url.port), username: role, password: PASSWORD, dbname: 'app' }),
    [variable('app-eu')]: JSON.stringify(local['app-eu']),
    [variable('leaky-us')]: JSON.stringify({ host: LEAKY_HOST, port: 5432, username: 'reader', password: PASSWORD, dbname: 'app' }),
    [variable('warehouse')]: JSON.stringify(local.warehouse),
  };
  worker = await startWorkerProcess(config, 'us', { TRIBUTARY_LOG_LEVEL: 'debug', ...secretsEnv });
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

/** The CLI as a user runs it, in its own process, with this test's config and secrets. */
function cli(configFile: string, ...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args, '--config', configFile], { cwd: ROOT, env: { ...process.env, ...secretsEnv } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}\n${stderr}` });
    });
  });
}

/** Fails naming every leaked credential (and where) that `text` still holds. */
function expectNoLeak(where: string, text: string): void {
  const found = Object.entries({ ...LEAKED, password: PASSWORD }).filter(([, v]) => text.includes(v) || text.includes(Buffer.from(v).toString('base64')));
  expect(found.map(([k]) => k), `credentials in the ${where}`).toEqual([]);
}

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

  // A planning failure: the plan activity's result carries it, the workflow fails with its text.
  const unreachable = await startPipeline(client, config, 'unreachable', 'us');
  const planError = await unreachable.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  const planErrors = errorText(planError);
  expect(planErrors).toContain('getaddrinfo');
  expect(planErrors).toContain('[redacted]');

  // History as the real Temporal server keeps it.
  const unreachableHistory = asText(await unreachable.fetchHistory());
  expect(unreachableHistory).toContain('planRange');
  expect(unreachableHistory).toContain('source leaky/us');
  expect(unreachableHistory).toContain('getaddrinfo');

  // Status output (the CLI connects to the source itself for the lag) and a CLI error.
  const configFile = writeConfigFile(config);
  const status = await cli(configFile, 'status');
  expect(status.out).toContain('unreachable');
  expect(status.out).toContain('getaddrinfo');
  const run = await cli(configFile, 'run', 'unreachable', '--region', 'us');
  expect(run.code).toBe(1);
  expect(run.out).toContain('getaddrinfo');

  const histories = asText([await ok.fetchHistory(), await failed.fetchHistory()]);
  // A small table's run is one activity: the plan extracts and merges it.
  expect(histories).toContain('planRange');
  expect(histories).toContain(`public.${missing} does not exist`);

  // Metrics and logs are flushed by the time the worker has stopped.
  const scrape = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text();
  expect(scrape).toContain('tributary_rows_inserted_total{pipeline="orders"');
  await worker.stop();
  const logs = worker.output();
  expect(logs).toContain('"msg":"merged"');
  expect(logs).toContain(`public.${missing} does not exist`);
  expect(logs).toContain('"pipeline":"orders"');
  expect(logs).toContain('source not planned');
  const statsd = packets.join('\n');
  expect(statsd).toContain('tributary.rows.inserted:1000|c|#pipeline:orders');

  const where = { logs, errors, histories, scrape, statsd, planErrors, unreachableHistory, status: status.out, cliError: run.out };
  for (const [name, text] of Object.entries(where)) expectNoLeak(name, text);
});
