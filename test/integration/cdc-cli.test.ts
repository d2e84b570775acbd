// `tributary cdc start|stop|status` against the real stack: a Debezium connector on Kafka Connect
// captures a table of the us source, a worker process serves region us, and the CLI (a process of
// its own, as a user runs it) starts the continuous workflow, shows its freshness and stops it.
// While it runs, the pipeline's schedule stays paused (also through `apply`, even one that creates
// it), `tributary status` shows the pipeline as continuous, and `tributary run`
// refuses with a message naming the workflow; after `stop` both work again.
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../client/run-pipeline.js';
import type { CdcStartResult, CdcStatus, CdcStopResult } from '../../client/cdc-continuous.js';
import { CONTINUOUS_PAUSE_NOTE } from '../../names/schedule-marks.js';
import { cdcWorkflowId, scheduleId } from '../../names/temporal-ids.js';
import { applySchedules } from '../../schedules/index.js';
import { runCli } from './cli-process.js';
import { killProcess, startWorkerProcess, workerStarted } from './topic-fixture.js';
import { createCdcTable, type CdcTable } from './cdc-table.js';

const { escapeIdentifier: ident } = pg;

let t: CdcTable;
let PIPELINE: string;
let client: Client;
let worker: ChildProcess | undefined;

/** The CLI as a user runs it: its own process, this test's config. */
const cli = (...args: string[]) => runCli(t.configFile, args);

async function cliJson<T>(...args: string[]): Promise<T> {
  const r = await cli(...args, '--json');
  expect(r.code, `tributary ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

let seed = 5;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
let nextId = 501;

/** n transactions of inserts, updates and deletes on the captured table. */
async function changes(n: number): Promise<void> {
  const q = `public.${ident(t.name)}`;
  for (let i = 0; i < n; i++) {
    const r = random();
    const existing = 1 + Math.floor(random() * (nextId - 1));
    if (r < 0.5) {
      await t.src.query(`INSERT INTO ${q} VALUES ($1, $2, $3, now())`, [nextId, `n${nextId}`, nextId * 1.5]);
      nextId++;
    } else if (r < 0.85) await t.src.query(`UPDATE ${q} SET name = name || '+', amount = amount + 1, at = now() WHERE id = $1`, [existing]);
    else await t.src.query(`DELETE FROM ${q} WHERE id = $1`, [existing]);
  }
}

/** Waits (up to 2 minutes) until the warehouse holds exactly what the source holds. */
async function expectCaughtUp(): Promise<void> {
  let last = await t.checksums();
  for (let i = 0; i < 240 && JSON.stringify(last.warehouse) !== JSON.stringify(last.source); i++) {
    await new Promise((r) => setTimeout(r, 500));
    last = await t.checksums();
  }
  expect(last.warehouse).toEqual(last.source);
}

beforeAll(async () => {
  // The schedule never fires by itself during the test; what matters is whether it is paused.
  t = await createCdcTable('cdccli', { seedRows: 500, pipeline: { schedule: '0 0 1 1 *', options: { intervalSeconds: 1, maxMessagesPerPartition: 200 } } });
  PIPELINE = t.name;
  client = await connectClient(t.config);
  await applySchedules(client, t.config);
  worker = startWorkerProcess(t.configFile, 'us');
  await workerStarted(worker);
}, 180_000);

afterAll(async () => {
  if (t) await client?.workflow.getHandle(cdcWorkflowId(t.config, PIPELINE, 'us')).terminate('test cleanup').catch(() => undefined);
  if (t) await client?.schedule.getHandle(scheduleId(t.config, PIPELINE, 'us')).delete().catch(() => undefined);
  if (worker) await killProcess(worker);
  await client?.connection.close();
  await t?.drop();
}, 120_000);

it('starts, reports and stops the continuous workflow; a one-off run and the schedule stand aside meanwhile', async () => {
  const workflowId = `${t.config.temporal.taskQueuePrefix}/cdc/${PIPELINE}/us`;
  const schedule = client.schedule.getHandle(scheduleId(t.config, PIPELINE, 'us'));

  const before = await cliJson<CdcStatus[]>('cdc', 'status', PIPELINE, '--region', 'us');
  expect(before).toMatchObject([{ pipeline: PIPELINE, region: 'us', workflowId, state: 'not started' }]);

  const started = await cliJson<CdcStartResult[]>('cdc', 'start', PIPELINE, '--region', 'us');
  expect(started).toMatchObject([{ workflowId, started: true, schedulePaused: scheduleId(t.config, PIPELINE, 'us') }]);
  let sched = await schedule.describe();
  expect(sched.state.paused).toBe(true);
  expect(sched.state.note).toBe(`${CONTINUOUS_PAUSE_NOTE} ${workflowId}`);
  // Starting again attaches to the running one; apply keeps the pause.
  expect(await cliJson<CdcStartResult[]>('cdc', 'start', PIPELINE)).toMatchObject([{ workflowId, started: false, schedulePaused: null }]);
  await applySchedules(client, t.config);
  expect((await schedule.describe()).state.paused).toBe(true);
  // A schedule apply creates meanwhile (deleted, or a pipeline added after start) starts paused too.
  await schedule.delete();
  await applySchedules(client, t.config);
  sched = await schedule.describe();
  expect(sched.state.paused).toBe(true);
  expect(sched.state.note).toBe(`${CONTINUOUS_PAUSE_NOTE} ${workflowId}`);
  // status tells it apart from a pipeline paused by hand.
  // One row per cell cluster of the region; Debezium's topic lives on cell-1 only (none on cell-2: no lag there).
  const rows = await cliJson<{ pipeline: string; region: string; source: string; state: string; schedule: string; lagMessages: number | null }[]>('status', PIPELINE);
  const us = rows.filter((r) => r.region === 'us').sort((a, b) => a.source.localeCompare(b.source));
  expect(us.map((r) => [r.source, r.state, r.schedule])).toEqual([
    ['events/us/cell-1', 'continuous', 'paused'],
    ['events/us/cell-2', 'continuous', 'paused'],
  ]);
  expect(us[0]!.lagMessages).toBeGreaterThanOrEqual(0);
  expect(us[1]!.lagMessages).toBe(0);

  // A one-off run would apply the same offsets: refused, naming the workflow and the way out.
  const refused = await cli('run', PIPELINE, '--region', 'us');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(`pipeline "${PIPELINE}" in region "us" is applied continuously by workflow ${workflowId}`);
  expect(refused.stderr).toContain(`tributary cdc stop ${PIPELINE} --region us`);

  // The snapshot and the changes streaming meanwhile arrive with no run started by anyone.
  await changes(300);
  const lastCommit = await t.src.query<{ ms: string }>(`SELECT (extract(epoch FROM max(at)) * 1000)::bigint::text AS ms FROM public.${ident(t.name)}`);
  await expectCaughtUp();
  let status = (await cliJson<CdcStatus[]>('cdc', 'status', PIPELINE, '--region', 'us'))[0]!;
  for (let i = 0; i < 40 && (status.freshness?.newestAppliedMs ?? 0) < Number(lastCommit.rows[0]!.ms) - 1; i++) {
    await new Promise((r) => setTimeout(r, 500));
    status = (await cliJson<CdcStatus[]>('cdc', 'status', PIPELINE, '--region', 'us'))[0]!;
  }
  expect(status.state).toBe('running');
  expect(status.freshness!.batches).toBeGreaterThan(1);
  // The 500 snapshot reads and the changes (a delete of a row already gone changes nothing).
  expect(status.freshness!.events).toBeGreaterThan(600);
  expect(status.freshness!.newestAppliedMs!).toBeGreaterThanOrEqual(Number(lastCommit.rows[0]!.ms) - 1);
  expect(status.freshness!.freshnessSeconds).toBeGreaterThanOrEqual(0);
  expect(status.lastPollAgeSeconds).not.toBeNull();
  const table = await cli('cdc', 'status', PIPELINE);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(new RegExp(`${PIPELINE}\\s+us\\s+running\\s+\\d+`));

  const stopped = await cliJson<CdcStopResult[]>('cdc', 'stop', PIPELINE, '--region', 'us');
  expect(stopped).toMatchObject([{ workflowId, wasRunning: true, scheduleResumed: scheduleId(t.config, PIPELINE, 'us') }]);
  expect(stopped[0]!.state!.batches).toBeGreaterThanOrEqual(status.freshness!.batches);
  sched = await schedule.describe();
  expect(sched.state.paused).toBe(false);
  expect((await cliJson<CdcStatus[]>('cdc', 'status', PIPELINE))[0]).toMatchObject({ state: 'stopped', temporalStatus: 'COMPLETED' });
  expect(await cliJson<CdcStopResult[]>('cdc', 'stop', PIPELINE)).toMatchObject([{ wasRunning: false, scheduleResumed: null }]);

  // Stopped: one-off runs apply the rest again.
  await changes(100);
  for (let i = 0; i < 60; i++) {
    const ran = await cli('run', PIPELINE, '--region', 'us', '--json');
    expect(ran.code, ran.stderr).toBe(0);
    const { source, warehouse } = await t.checksums();
    if (JSON.stringify(warehouse) === JSON.stringify(source)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const { source, warehouse } = await t.checksums();
  expect(warehouse).toEqual(source);
}, 600_000);

it('refuses bad usage with exit code 2', async () => {
  const unknown = await cli('cdc', 'start', 'nope', '--region', 'us');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('pipeline "nope" is not in the config');
  const region = await cli('cdc', 'status', PIPELINE, '--region', 'eu');
  expect(region.code).toBe(2);
  expect(region.stderr).toContain(`pipeline "${PIPELINE}" does not run in region "eu"`);
  expect((await cli('cdc', 'restart', PIPELINE)).code).toBe(2);
}, 300_000);
