// Schedules reconciled from the config against the real Temporal dev server: apply creates,
// re-applies to nothing, converges after edits, leaves other people's schedules alone, keeps two
// deployments' schedules of a same-named pipeline apart, renames a deployment's schedules from
// their old ids, and a trigger starts syncPipeline on a region worker (skipped while a run is in flight).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import { TypedSearchAttributes, type Workflow } from '@temporalio/common';
import pg from 'pg';
import { connectClient } from '../../client/run-pipeline.js';
import { validateConfig } from '../../config/load.js';
import type { TributaryConfig } from '../../config/schema.js';
import { PIPELINE_KEY, REGION_KEY } from '../../names/search-attributes.js';
import { parseWorkflowId, scheduleId } from '../../names/temporal-ids.js';
import { applySchedules, desiredSchedules, pauseSchedule, readSchedules, resumeSchedule, triggerSchedule, type ApplyRow } from '../../schedules/index.js';
import { createRegionWorker } from '../../workers/create-worker.js';
import type { syncPipeline } from '../../workflows/sync-pipeline.js';
import { dropSchema } from './fact-fixture.js';
import { STACK, stackConfig, uniqueName, withClient } from './stack.js';

const { escapeIdentifier: ident } = pg;
const table = uniqueName('sched_src');
const tag = uniqueName('sched');
const [a, b, c, t, other, handmade, shared, old, gone, foreign] = ['a', 'b', 'c', 't', 'other', 'handmade', 'shared', 'old', 'gone', 'foreign'].map((x) => `${tag}_${x}`) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];

// These tests look at the sync schedules; the daily verify schedules are off (verify.test.ts has them).
const fact = (name: string, extra: Record<string, unknown> = {}) => ({ name, kind: 'fact', source: 'app', table: `public.${table}`, target: name, key: ['id'], watermark: 'updated_at', verify: false, ...extra });
const dimension = (name: string, extra: Record<string, unknown> = {}) => ({ name, kind: 'dimension', source: 'app', table: `public.${table}`, target: name, key: ['id'], verify: false, ...extra });
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
// Two deployments (qa and staging, say) in one namespace with a pipeline of the same name.
const qa = stackConfig([fact(shared, { schedule: '0 3 1 1 *', regions: ['us', 'eu'] })]);
const staging = stackConfig([fact(shared, { schedule: '0 5 1 1 *', regions: ['us'] })]);
// A deployment whose schedules were made under the old ids, "tributary/<pipeline>/<region>".
const legacy = stackConfig([fact(old, { schedule: '0 3 1 1 *', regions: ['us', 'eu'] })]);
const configs = [config, otherDeployment, triggerConfig, qa, staging, legacy];
const prefix = (cfg: TributaryConfig) => cfg.temporal.taskQueuePrefix;
// Made by hand: one with the old shared prefix, one with ours; neither has our memo.
const handmadeIds = [`tributary/${handmade}/us`, `${prefix(config)}/${handmade}/us`];

let client: Client;

beforeAll(async () => {
  client = await connectClient(config);
  for (const url of Object.values(STACK.source)) {
    await withClient(url, (db) => db.query(`CREATE TABLE public.${ident(table)} (id int PRIMARY KEY, updated_at timestamptz NOT NULL)`));
  }
});

afterAll(async () => {
  const ids = new Set(handmadeIds);
  for (const cfg of configs) for (const e of await readSchedules(client, cfg)) if (e.id.includes(`/${tag}_`)) ids.add(e.id);
  for (const id of ids) await client.schedule.getHandle(id).delete().catch(() => undefined);
  // Fires of the @every schedule have no worker: stop them rather than leave them waiting.
  for (const p of [a, b, c, t, other, shared, old]) {
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
const ids = (pipeline: string, ...regions: string[]) => regions.map((r) => scheduleId(config, pipeline, r));

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
    const aEu = created[`${prefix(config)}/${a}/eu`]!;
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
    expect(created[`${prefix(config)}/${b}/eu`]!.spec.intervals).toEqual([{ every: 600_000 }]);
    expect(Object.values(created).map((d) => d.state.paused)).toEqual([false, false, false, false]);
  });

  it('changes nothing when applied again', async () => {
    const result = await applySchedules(client, config);
    expect(actions(result.rows)).toEqual(Object.keys(created).map((id) => [id, 'unchanged']));
    // Not even a no-op write: the server's update time is where create left it.
    for (const [id, before] of Object.entries(created)) expect((await describeSchedule(id)).info.lastUpdatedAt).toEqual(before.info.lastUpdatedAt);
  });

  it('converges after the config is edited, and never touches schedules that are not its own', async () => {
    // Another deployment in the same namespace, and schedules made by hand with our id prefix and the old one.
    const otherId = `${prefix(otherDeployment)}/${other}/us`;
    expect(actions((await applySchedules(client, otherDeployment)).rows)).toEqual([[otherId, 'create']]);
    for (const scheduleId of handmadeIds) {
      await client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: '1h' }] },
        action: { type: 'startWorkflow', workflowType: 'syncPipeline', taskQueue: 'nobody-serves-this', args: [] },
        state: { paused: true },
      });
    }
    // Listing is eventually consistent: deletes can only act on what the list shows.
    const ours = [...Object.keys(created), ...handmadeIds];
    await eventually('the list to show every schedule', async () => (await readSchedules(client, config)).map((e) => e.id), (seen) => ours.every((id) => seen.includes(id)));

    const edited = withPipelines(config, [
      fact(a, { schedule: '*/5 * * * *', regions: ['us', 'eu'] }), // cron changed
      fact(b, { schedule: '@every 10m', regions: ['eu'], paused: true }), // paused in the config
      // c removed
    ]);
    const result = await applySchedules(client, edited);
    expect(result.rows.filter((r) => r.error)).toEqual([]);
    expect(result.rows.map((r) => [r.id, r.action, r.paused])).toEqual([
      [`${prefix(config)}/${a}/eu`, 'update', false],
      [`${prefix(config)}/${a}/us`, 'update', false],
      [`${prefix(config)}/${b}/eu`, 'update', true],
      [`${prefix(config)}/${c}/us`, 'delete', false],
    ]);

    for (const id of ids(a, 'us', 'eu')) expect((await describeSchedule(id)).spec.calendars?.[0]?.minute).toEqual([{ start: 0, end: 59, step: 5 }]);
    const bEu = await describeSchedule(`${prefix(config)}/${b}/eu`);
    expect(bEu.state.paused).toBe(true);
    expect(bEu.state.note).toContain('paused in the config');
    expect(bEu.info.createdAt).toEqual(created[`${prefix(config)}/${b}/eu`]!.info.createdAt); // updated in place, not re-created
    expect(await missing(`${prefix(config)}/${c}/us`)).toBe(true);
    expect(await missing(otherId)).toBe(false);
    for (const id of handmadeIds) expect(await missing(id)).toBe(false);

    const again = await applySchedules(client, edited);
    expect(again.rows.map((r) => r.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });

  it('keeps a pause made by hand through apply, until resumed', async () => {
    const id = `${prefix(config)}/${a}/us`;
    expect(await pauseSchedule(client, config, a, 'us', 'incident 42')).toEqual([{ id, paused: true, note: 'incident 42' }]);
    const edited = withPipelines(config, [fact(a, { schedule: '*/5 * * * *', regions: ['us', 'eu'] }), fact(b, { schedule: '@every 10m', regions: ['eu'], paused: true })]);
    const row = (await applySchedules(client, edited)).rows.find((r) => r.id === id);
    expect(row).toMatchObject({ action: 'unchanged', paused: true, detail: 'paused by hand: incident 42' });
    expect((await describeSchedule(id)).state.paused).toBe(true);

    expect(await resumeSchedule(client, config, a, undefined, 'incident over')).toEqual([
      { id, paused: false, note: 'incident over' },
      { id: `${prefix(config)}/${a}/eu`, paused: false, note: 'incident over' },
    ]);
    expect((await describeSchedule(id)).state.paused).toBe(false);
  });

  it('says which schedule is missing when asked to pause one that was never applied', async () => {
    await expect(pauseSchedule(client, triggerConfig, t)).rejects.toThrow(`schedule "${prefix(triggerConfig)}/${t}/eu" does not exist: run "tributary apply" first`);
  });
});

describe('deployments in one namespace', () => {
  it('keeps the schedules of two deployments with a same-named pipeline apart through apply of both', async () => {
    const qaIds = [scheduleId(qa, shared, 'eu'), scheduleId(qa, shared, 'us')];
    const stagingIds = [scheduleId(staging, shared, 'us')];
    expect(actions((await applySchedules(client, qa)).rows)).toEqual(qaIds.map((id) => [id, 'create']));
    expect(actions((await applySchedules(client, staging)).rows)).toEqual(stagingIds.map((id) => [id, 'create']));
    // Once both are listed, each apply still finds only its own: the other's are under another prefix.
    await eventually('the list to show both deployments', async () => [...(await readSchedules(client, qa)), ...(await readSchedules(client, staging))].map((e) => e.id), (seen) => [...qaIds, ...stagingIds].every((id) => seen.includes(id)));
    expect(actions((await applySchedules(client, qa)).rows)).toEqual(qaIds.map((id) => [id, 'unchanged']));
    expect(actions((await applySchedules(client, staging)).rows)).toEqual(stagingIds.map((id) => [id, 'unchanged']));
    for (const [cfg, id] of [...qaIds.map((id) => [qa, id] as const), ...stagingIds.map((id) => [staging, id] as const)]) {
      const d = await describeSchedule(id);
      expect(d.memo).toEqual({ managedBy: 'tributary', taskQueuePrefix: prefix(cfg) });
      expect(d.action).toMatchObject({ taskQueue: `${prefix(cfg)}-${id.split('/').pop()}`, workflowId: `${prefix(cfg)}/sync/${shared}/${id.split('/').pop()}` });
    }
    // A pause acts on the deployment's own schedule only.
    expect(await pauseSchedule(client, staging, shared, 'us', 'staging only')).toEqual([{ id: stagingIds[0], paused: true, note: 'staging only' }]);
    expect((await describeSchedule(scheduleId(qa, shared, 'us'))).state.paused).toBe(false);
  });

  it('renames a deployment\'s schedules from their old ids, keeping a pause by hand, and never touches another deployment\'s', async () => {
    const legacyId = (pipeline: string, region: string) => `tributary/${pipeline}/${region}`;
    // What earlier versions made: the same schedule under "tributary/...", with the deployment's prefix in the memo.
    for (const d of desiredSchedules(legacy)) {
      const paused = d.region === 'us';
      await client.schedule.create<Workflow>({ ...d.options, scheduleId: legacyId(old, d.region), state: paused ? { paused, note: 'incident 7' } : { paused } });
    }
    const removed = desiredSchedules(withPipelines(legacy, [fact(gone, { schedule: '0 3 1 1 *', regions: ['us'] })]))[0]!;
    await client.schedule.create<Workflow>({ ...removed.options, scheduleId: legacyId(gone, 'us') });
    // Another deployment's old-id schedule: its memo names staging.
    const theirs = desiredSchedules(withPipelines(staging, [fact(foreign, { schedule: '0 3 1 1 *', regions: ['us'] })]))[0]!;
    await client.schedule.create<Workflow>({ ...theirs.options, scheduleId: legacyId(foreign, 'us') });
    const olds = [legacyId(old, 'eu'), legacyId(old, 'us'), legacyId(gone, 'us'), legacyId(foreign, 'us')];
    await eventually('the list to show the old ids', async () => (await readSchedules(client, legacy)).map((e) => e.id), (seen) => olds.every((id) => seen.includes(id)));

    const dry = await applySchedules(client, legacy, { dryRun: true });
    expect(await missing(scheduleId(legacy, old, 'us'))).toBe(true);
    const result = await applySchedules(client, legacy);
    expect(result.rows).toEqual(dry.rows);
    expect(result.rows.filter((r) => r.error)).toEqual([]);
    expect(result.rows.map((r) => [r.id, r.action, r.paused])).toEqual(
      [
        [scheduleId(legacy, old, 'eu'), 'migrate', false],
        [scheduleId(legacy, old, 'us'), 'migrate', true],
        [legacyId(gone, 'us'), 'delete', false],
        [legacyId(old, 'eu'), 'delete', false],
        [legacyId(old, 'us'), 'delete', true],
      ].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
    );
    expect(result.rows.find((r) => r.id === scheduleId(legacy, old, 'us'))?.detail).toBe(`from old id ${legacyId(old, 'us')}, paused by hand: incident 7`);

    for (const id of [legacyId(old, 'eu'), legacyId(old, 'us'), legacyId(gone, 'us')]) expect(await missing(id)).toBe(true);
    expect(await missing(legacyId(foreign, 'us'))).toBe(false);
    const us = await describeSchedule(scheduleId(legacy, old, 'us'));
    expect(us.state).toMatchObject({ paused: true, note: 'incident 7' });
    expect(us.memo).toEqual({ managedBy: 'tributary', taskQueuePrefix: prefix(legacy) });
    expect((await describeSchedule(scheduleId(legacy, old, 'eu'))).state.paused).toBe(false);

    // Nothing left to do, and pause|resume|trigger name the new ids.
    expect(actions((await applySchedules(client, legacy)).rows)).toEqual([
      [scheduleId(legacy, old, 'eu'), 'unchanged'],
      [scheduleId(legacy, old, 'us'), 'unchanged'],
    ]);
    expect(await resumeSchedule(client, legacy, old, 'us', 'incident 7 over')).toEqual([{ id: scheduleId(legacy, old, 'us'), paused: false, note: 'incident 7 over' }]);
    await client.schedule.getHandle(legacyId(foreign, 'us')).delete();
  });
});

describe('trigger', () => {
  it('starts syncPipeline now, skips a second trigger while it runs, and the run completes on a region worker', async () => {
    const id = `${prefix(triggerConfig)}/${t}/eu`;
    expect(actions((await applySchedules(client, triggerConfig)).rows)).toEqual([[id, 'create']]);

    // No worker yet: the first run stays in flight, so the second trigger must be skipped (ALLOW_ALL would start another).
    expect(await triggerSchedule(client, triggerConfig, t)).toEqual([{ id, running: [] }]);
    const info = () => describeSchedule(id).then((d) => d.info);
    const first = await eventually('the triggered run', info, (i) => i.runningActions.length === 1);
    const workflowId = first.runningActions[0]!.workflow.workflowId;
    expect(workflowId.startsWith(`${triggerConfig.temporal.taskQueuePrefix}/sync/${t}/eu-`)).toBe(true); // the server appends the nominal time
    const parsed = parseWorkflowId(workflowId);
    expect(parsed).toMatchObject({ prefix: prefix(triggerConfig), kind: 'sync', pipeline: t, region: 'eu' });
    expect(parsed?.scheduledAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);

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
