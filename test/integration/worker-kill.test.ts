// A worker process is SIGKILLed in the middle of a run, twice (during the extract, then during
// the merge); a new worker picks the run up and it completes with warehouse == source.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { connectClient, startPipeline } from '../../client/run-pipeline.js';
import { targetTable } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { ROOT, STACK, stackConfig, uniqueName, withClient } from './stack.js';
import { createFactTable, dropFactTable, dropSchema, expectWarehouseEqualsSource, insertRows } from './fact-fixture.js';

const table = uniqueName('killed');
let config: TributaryConfig;
let configFile: string;
let client: Client;
const children: ChildProcess[] = [];

function startWorker(): ChildProcess {
  // node itself (not the tsx wrapper, which would outlive a SIGKILL in a child of its own).
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts', '--config', configFile, '--region', 'us'], {
    cwd: ROOT,
    env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'WARN' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  return child;
}

async function waitForActivity(handle: WorkflowHandle, type: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const d = await handle.describe();
    const started = d.raw.pendingActivities?.some((a) => a.activityType?.name === type && String(a.state) === '2' /* STARTED */);
    if (started) return;
    if (d.status.name !== 'RUNNING') throw new Error(`workflow ended (${d.status.name}) before ${type} started`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${type} never started`);
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  config = stackConfig(
    [{ name: 'orders', kind: 'fact', source: 'app', table: `public.${table}`, key: ['id'], watermark: 'updated_at', regions: ['us'], options: { lagSeconds: 0 } }],
    { heartbeatTimeoutSeconds: 5 },
  );
  configFile = join(mkdtempSync(join(tmpdir(), 'tributary-config-')), 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  await createFactTable('us', table, 400_000);
  client = await connectClient(config);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) await kill(c);
  await client?.connection.close();
  await dropFactTable(table);
  await dropSchema(config.warehouse.schema);
});

it('completes a run whose worker is SIGKILLed during extract and during merge, with no loss and no duplicates', async () => {
  const handle = await startPipeline(client, config, 'orders', 'us');
  const first = startWorker();
  await waitForActivity(handle, 'extractToStage');
  // Rows keep arriving while the worker is down.
  await withClient(STACK.source.us!, (c) => insertRows(c, table, 400_001, 1_000));
  await kill(first);

  const second = startWorker();
  await waitForActivity(handle, 'mergeStaged');
  await kill(second);

  startWorker();
  const result = await handle.result();
  expect(result.units).toBe(1);
  const history = await handle.fetchHistory();
  const retried = history.events?.filter((e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1);
  expect(retried?.length, 'both killed activities were retried').toBeGreaterThanOrEqual(2);

  // The next run picks up what arrived meanwhile.
  const next = await startPipeline(client, config, 'orders', 'us');
  await next.result();
  expect(await expectWarehouseEqualsSource('us', table, targetTable(config, config.pipelines[0]!))).toBe(401_000);
});
