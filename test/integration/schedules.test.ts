// Schedules reconciled from the config against the real Temporal dev server: apply creates,
// re-applies to nothing, converges after edits, leaves other people's schedules alone, and a
// trigger starts syncPipeline on a region worker (skipped while a run is in flight).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import pg from 'pg';
import { PIPELINE_KEY, REGION_KEY, connectClient } from '../../client/run-pipeline.js';
import { validateConfig } from '../../config/load.js';
import type { TributaryConfig } from '../../config/schema.js';
import { applySchedules, pauseSchedule, readSchedules, resumeSchedule, triggerSchedule, type ApplyRow } from '../../schedules/index.js';
import { createRegionWorker } from '../../workers/create-worker.js';
import type { syncPipeline } from '../../workflows/sync-pipeline.js';
import { dropSchema } from './fact-fixture.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';

const { escapeIdentifier: ident } = pg;
const table = uniqueName('sched_src');
const tag = uniqueName('sched');
const [a, b, c, t, other, handmade] = ['a', 'b', 'c', 't', 'other', 'handmade'].map((x) => `${tag}_${x}`) as [string, string, string, string, string, string];

const fact = (name: string, extra: Record<string, unknown> = {}) => ({ name, kind: 'fact', source: 'app', table: `public.${table}`, key: ['id'], watermark: 'updated_at', ...extra });
const dimension = (name: string, extra: Record<string, unknown> = {}) => ({ name, kind: 'dimension', source: 'app', table: `public.${table}`, key: ['id'], ...extra });
/** The same deployment (task queue prefix, schema, stage) with other pipelines: an edited config file. */
const withPipelines = (cfg: TributaryConfig, pipelines: unknown[]) => validateConfig('test-config', { ...cfg, pipelines });

// Crons that never fire during a test run (1 January), so only apply and trigger act.
const config = stackConfig([
  fact(a, { schedule: '0 3 1 1 *', regions: ['us', 'eu'] }),
  fact(b, { schedule: '@every 10m', regions: ['eu'] }),
  dimension(c, { schedule: '0 4 1 1 *', regions: ['us'] }),
]);
const otherDeployment = stackConfig([fact(other, { schedule: '0 3 1 1 *', regions: ['us'] })]);
const triggerConfig = stackConfig([fact(t, { schedule: '0 0 1 1 *', regions: ['eu'] })]);
const configs = [config, otherDeployment, triggerConfig];
const handmadeId = `tributary/${handmade}/us`;

let client: Client;

beforeAll(async () => {
  client = await connectClient(config);
  for (const url of Object.values(STACK.source)) {
    await withClient(url, (db) => db.query(`CREATE TABLE public.${ident(table)} (id int PRIMARY KEY, updated_at timestamptz NOT NULL)`));
  }
});

afterAll(async () => {
  const ids = new Set([handmadeId, ...(await readSchedules(client)).map((e) => e.id).filter((id) => id.startsWith(`tributary/${tag}`))]);
  for (const id of ids) await client.schedule.getHandle(id).delete().catch(() => undefined);
  // Fires of the @every schedule have no worker: stop them rather than leave them waiting.
  for (const p of [a, b, c, t, other]) {
    for await (const w of client.workflow.list({ query: `Pipeline = '${p}' AND ExecutionStatus = 'Running'` })) {
      await client.workflow.getHandle(w.workflowId, w.runId).terminate('test cleanup');
    }
  }
  await client.connection.close();
  for (const url of Object.values(STACK.source)) await withClient(url, (db) => db.query(`DROP TABLE IF EXISTS public.${ident(table)}`));
  for (const cfg of configs) await dropSchema(cfg.warehouse.schema);
});

const describeSchedule = (id: string) => client.schedule.getHandle(id).describe();
const actions = (rows: ApplyRow[]) => rows.map((r) => [r.id, r.action]);
const ids = (pipeline: string, ...regions: string[]) => regions.map((r) => `tributary/${pipeline}/${r}`);

async function eventually<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: last saw ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function missing(id: string): Promise<boolean> {
  try {
    await describeSchedule(id);
    return false;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return true;
    throw err;
  }
}

describe('apply', () => {
  let created: Record<string, ScheduleDescription>;

  it('in a dry run, plans a create per pipeline and region and changes nothing', async () => {
    const result = await applySchedules(client, config, { dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(actions(result.rows)).toEqual([...ids(a, 'eu', 'us'), ...ids(b, 'eu'), ...ids(c, 'us')].map((id) => [id, 'create']));
    for (const [id] of actions(result.rows)) expect(await missing(id!)).toBe(true);
  });

  it('creates one schedule per pipeline and region that starts syncPipeline like `tributary run`', async () => {
    const result = await applySchedules(client, config);
    expect(result.rows.filter((r) => r.error)).toEqual([]);
    expect(actions(result.rows)).toEqual([...ids(a, 'eu', 'us'), ...ids(b, 'eu'), ...ids(c, 'us')].map((id) => [id, 'create']));

    created = Object.fromEntries(await Promise.all(result.rows.map(async (r) => [r.id, await describeSchedule(r.id)] as const)));
    const aEu = created[`tributary/${a}/eu`]!;
    expect(aEu.action).toMatchObject({
      workflowType: 'syncPipeline',
      workflowId: `${config.temporal.taskQueuePrefix}/sync/${a}/eu`,
      taskQueue: `${config.temporal.taskQueuePrefix}-eu`,
      args: [{ pipeline: a, region: 'eu' }, { heartbeatTimeoutSeconds: config.temporal.heartbeatTimeoutSeconds }],
    });
    const attributes = aEu.action.typedSearchAttributes;
    expect(attributes).toBeInstanceOf(TypedSearchAttributes);
    expect((attributes as TypedSearchAttributes).get(PIPELINE_KEY)).toBe(a);
    expect((attributes as TypedSearchAttributes).get(REGION_KEY)).toBe('eu');
    expect(aEu.policies).toMatchObject({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 600_000 });
    expect(aEu.memo).toEqual({ managedBy: 'tributary', taskQueuePrefix: config.temporal.taskQueuePrefix });
    expect(aEu.spec.calendars?.[0]).toMatchObject({ minute: [{ start: 0, end: 0, step: 1 }], hour: [{ start: 3, end: 3, step: 1 }] });
    expect(created[`tributary/${b}/eu`]!.spec.intervals).toEqual([{ every: 600_000 }]);
    expect(Object.values(created).map((d) => d.state.paused)).toEqual([false, false, false, false]);
  });

  it('changes nothing when applied again', async () => {
    const result = await applySchedules(client, config);
    expect(actions(result.rows)).toEqual(Object.keys(created).map((id) => [id, 'unchanged']));
    // Not even a no-op write: the server's update time is where create left it.
    for (const [id, before] of Object.entries(created)) expect((await describeSchedule(id)).info.lastUpdatedAt).toEqual(before.info.lastUpdatedAt);
  });

  it('converges after the config is edited, and never touches schedules that are not its own', async () => {
    // Another deployment in the same namespace, and a schedule made by hand with our id prefix.
    expect(actions((await applySchedules(client, otherDeployment)).rows)).toEqual([[`tributary/${other}/us`, 'create']]);
    await client.schedule.create({
      scheduleId: handmadeId,
      spec: { intervals: [{ every: '1h' }] },
      action: { type: 'startWorkflow', workflowType: 'syncPipeline', taskQueue: 'nobody-serves-this', args: [] },
      state: { paused: true },
    });
    // Listing is eventually consistent: deletes can only act on what the list shows.
    const ours = [...Object.keys(created), `tributary/${other}/us`, handmadeId];
    await eventually('the list to show every schedule', async () => (await readSchedules(client)).map((e) => e.id), (seen) => ours.every((id) => seen.includes(id)));

    const edited = withPipelines(config, [
      fact(a, { schedule: '*/5 * * * *', regions: ['us', 'eu'] }), // cron changed
      fact(b, { schedule: '@every 10m', regions: ['eu'], paused: true }), // paused in the config
      // c removed
    ]);
    const result = await applySchedules(client, edited);
    expect(result.rows.filter((r) => r.error)).toEqual([]);
    expect(result.rows.map((r) => [r.id, r.action, r.paused])).toEqual([
      [`tributary/${a}/eu`, 'update', false],
      [`tributary/${a}/us`, 'update', false],
      [`tributary/${b}/eu`, 'update', true],
      [`tributary/${c}/us`, 'delete', false],
    ]);

    for (const id of ids(a, 'us', 'eu')) expect((await describeSchedule(id)).spec.calendars?.[0]?.minute).toEqual([{ start: 0, end: 59, step: 5 }]);
    const bEu = await describeSchedule(`tributary/${b}/eu`);
    expect(bEu.state.paused).toBe(true);
    expect(bEu.state.note).toContain('paused in the config');
    expect(bEu.info.createdAt).toEqual(created[`tributary/${b}/eu`]!.info.createdAt); // updated in place, not re-created
    expect(await missing(`tributary/${c}/us`)).toBe(true);
    expect(await missing(`tributary/${other}/us`)).toBe(false);
    expect(await missing(handmadeId)).toBe(false);

    const again = await applySchedules(client, edited);
    expect(again.rows.map((r) => r.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });

  it('keeps a pause made by hand through apply, until resumed', async () => {
    const id = `tributary/${a}/us`;
    expect(await pauseSchedule(client, config, a, 'us', 'incident 42')).toEqual([{ id, paused: true, note: 'incident 42' }]);
    const edited = withPipelines(config, [fact(a, { schedule: '*/5 * * * *', regions: ['us', 'eu'] }), fact(b, { schedule: '@every 10m', regions: ['eu'], paused: true })]);
    const row = (await applySchedules(client, edited)).rows.find((r) => r.id === id);
    expect(row).toMatchObject({ action: 'unchanged', paused: true, detail: 'paused by hand: incident 42' });
    expect((await describeSchedule(id)).state.paused).toBe(true);

    expect(await resumeSchedule(client, config, a, undefined, 'incident over')).toEqual([
      { id, paused: false, note: 'incident over' },
      { id: `tributary/${a}/eu`, paused: false, note: 'incident over' },
    ]);
    expect((await describeSchedule(id)).state.paused).toBe(false);
  });

  it('says which schedule is missing when asked to pause one that was never applied', async () => {
    await expect(pauseSchedule(client, triggerConfig, t)).rejects.toThrow(`schedule "tributary/${t}/eu" does not exist: run "tributary apply" first`);
  });
});

describe('trigger', () => {
  it('starts syncPipeline now, skips a second trigger while it runs, and the run completes on a region worker', async () => {
    const id = `tributary/${t}/eu`;
    expect(actions((await applySchedules(client, triggerConfig)).rows)).toEqual([[id, 'create']]);

    // No worker yet: the first run stays in flight, so the second trigger must be skipped (ALLOW_ALL would start another).
    expect(await triggerSchedule(client, triggerConfig, t)).toEqual([{ id, running: [] }]);
    const info = () => describeSchedule(id).then((d) => d.info);
    const first = await eventually('the triggered run', info, (i) => i.runningActions.length === 1);
    const workflowId = first.runningActions[0]!.workflow.workflowId;
    expect(workflowId.startsWith(`${triggerConfig.temporal.taskQueuePrefix}/sync/${t}/eu-`)).toBe(true); // the server appends the nominal time

    expect(await triggerSchedule(client, triggerConfig, t, 'eu')).toEqual([{ id, running: [workflowId] }]);
    const after = await eventually('the second trigger to be skipped', info, (i) => i.numActionsSkippedOverlap >= 1);
    expect(after.numActionsTaken).toBe(1);
    expect(after.runningActions.map((r) => r.workflow.workflowId)).toEqual([workflowId]);

    const run = client.workflow.getHandle<typeof syncPipeline>(workflowId);
    const { worker, connection } = await createRegionWorker(triggerConfig, 'eu');
    try {
      const result = await worker.runUntil(run.result());
      expect(result).toMatchObject({ pipeline: t, region: 'eu', units: 1, rowsStaged: 0, inserted: 0 });
    } finally {
      await connection.close();
    }
    const wf = await run.describe();
    expect(wf.status.name).toBe('COMPLETED');
    expect(wf.taskQueue).toBe(`${triggerConfig.temporal.taskQueuePrefix}-eu`);
    expect(wf.typedSearchAttributes.get(PIPELINE_KEY)).toBe(t);
    expect(wf.typedSearchAttributes.get(REGION_KEY)).toBe('eu');
    expect(wf.memo?.tributaryHash).toMatch(/^[0-9a-f]{16}$/);
  });
});
