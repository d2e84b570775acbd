// Workflow log lines carry the pipeline and region of the run (workflows/interceptors.ts). Two real
// worker processes (workers/main.ts, logging pino JSON through the Runtime logger), one at a time
// on the same task queue: the first bundles the workflow code itself at start and logs at debug;
// the second runs the prebuilt bundle the Docker image makes (infra/docker/build-bundle.ts) at
// the default level. Each runs a pipeline, and the workflow's own lines are looked up by workflow id.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { connectClient, startPipeline } from '../../client/run-pipeline.js';
import type { TributaryConfig } from '../../config/schema.js';
import { ROOT, stackConfig, uniqueName } from './stack.js';
import { createFactTable, dropFactTable, dropSchema } from './fact-fixture.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

const table = uniqueName('wflog_orders');
const missing = uniqueName('wflog_missing');
let config: TributaryConfig;
let client: Client;
let worker: WorkerProcess | undefined;

/** The JSON lines of a worker's output that belong to one workflow run. */
function linesOf(output: string, workflowId: string, runId: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.workflowId === workflowId && l.runId === runId);
}

beforeAll(async () => {
  await createFactTable('us', table, 200);
  const pipeline = { kind: 'fact', source: 'app', key: ['id'], watermark: 'updated_at', regions: ['us'], options: { lagSeconds: 0 } };
  config = stackConfig([
    { ...pipeline, name: 'orders', table: `public.${table}` },
    { ...pipeline, name: 'broken', table: `public.${missing}` },
  ]);
  client = await connectClient(config);
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await dropFactTable(table);
  await dropSchema(config.warehouse.schema);
});

it('a worker that bundles at start writes workflow lines with the pipeline and region', async () => {
  worker = await startWorkerProcess(config, 'us', { TRIBUTARY_LOG_LEVEL: 'debug' });
  const run = await startPipeline(client, config, 'orders', 'us');
  expect(await run.result()).toMatchObject({ inserted: 200 });
  await worker.stop();

  const lines = linesOf(worker.output(), run.workflowId, run.firstExecutionRunId);
  // The SDK's lifecycle lines are written by `log` inside the workflow (replay-aware sinks).
  expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['Workflow started', 'Workflow completed']));
  const completed = lines.find((l) => l.msg === 'Workflow completed');
  expect(completed).toMatchObject({ pipeline: 'orders', region: 'us', workflowType: 'syncPipeline', level: 'debug' });
});

it('the prebuilt bundle of the image carries the interceptor too', async () => {
  const bundle = join(mkdtempSync(join(tmpdir(), 'tributary-bundle-')), 'workflow-bundle.js');
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/docker/build-bundle.ts', bundle], { cwd: ROOT });
  worker = await startWorkerProcess(config, 'us', { TRIBUTARY_WORKFLOW_BUNDLE: bundle, TRIBUTARY_LOG_LEVEL: 'info' });
  const run = await startPipeline(client, config, 'broken', 'us');
  await expect(run.result()).rejects.toThrow();
  await worker.stop();

  const failed = linesOf(worker.output(), run.workflowId, run.firstExecutionRunId).find((l) => l.msg === 'Workflow failed');
  expect(failed).toMatchObject({ pipeline: 'broken', region: 'us', workflowType: 'syncPipeline', level: 'warn' });
});
