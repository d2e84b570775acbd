// Makes the server's schedules match the config: reads ours (listed by id prefix, plus every
// desired id and its old id, since listing is eventually consistent), plans, and creates,
// updates, renames and deletes.
import { ScheduleNotFoundError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { TributaryConfig } from '../config/schema.js';
import { kindOf } from '../activities/kinds/registry.js';
import { continuousPauseNote } from '../names/schedule-marks.js';
import { cdcWorkflowId, legacyScheduleId, scheduleIdPrefixes } from '../names/temporal-ids.js';
import type { Deployment } from '../names/deployment.js';
import { boundedMap } from '../workflows/bounded.js';
import { PAUSED_IN_CONFIG, desiredSchedules, type DesiredSchedule } from './desired.js';
import { readExisting, type ExistingSchedule } from './existing.js';
import { planReconcile, type ReconcilePlan, type ScheduleMigration, type ScheduleUpdate } from './plan.js';
import { planRows, type ApplyRow } from './report.js';

/** Schedule calls in flight at once: enough for hundreds of schedules, gentle on the frontend. */
const PARALLEL = 8;

export interface ApplyResult {
  dryRun: boolean;
  rows: ApplyRow[];
}

export async function applySchedules(client: Client, config: TributaryConfig, opts: { dryRun?: boolean } = {}): Promise<ApplyResult> {
  const desired = desiredSchedules(config);
  const ids = desired.flatMap((d) => {
    const old = legacyScheduleId(config, d.id);
    return old === null ? [d.id] : [d.id, old];
  });
  const existing = await readSchedules(client, config, ids);
  const plan = planReconcile(desired, existing, config.temporal.taskQueuePrefix);
  const rows = planRows(plan);
  if (!opts.dryRun) {
    const errors = await execute(client, config, plan);
    for (const row of rows) row.error = errors.get(row.id);
  }
  return { dryRun: opts.dryRun ?? false, rows };
}

/**
 * Every schedule whose id starts like one of the deployment's (its prefix, or the old shared
 * "tributary/"), described; ids that do not exist are left out. Whose each one is, its memo says.
 */
export async function readSchedules(client: Client, deployment: Deployment, alsoIds: readonly string[] = []): Promise<ExistingSchedule[]> {
  const ids = new Set(alsoIds);
  const prefixes = scheduleIdPrefixes(deployment);
  for await (const s of client.schedule.list()) if (prefixes.some((p) => s.scheduleId.startsWith(p))) ids.add(s.scheduleId);
  const found = await boundedMap([...ids], PARALLEL, async (id) => {
    try {
      return readExisting(await client.schedule.getHandle(id).describe());
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined; // listed, then deleted, or never made
      throw err;
    }
  });
  return found.filter((e): e is ExistingSchedule => e !== undefined);
}

/** Runs the plan; one failing schedule does not stop the others. Returns the error per schedule id. */
async function execute(client: Client, config: TributaryConfig, plan: ReconcilePlan): Promise<Map<string, string>> {
  const errors = new Map<string, string>();
  const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
  const steps: { id: string; run: () => Promise<unknown> }[] = [
    // Sync and verify schedules start different workflows: create takes either.
    ...plan.create.map((d) => ({ id: d.id, run: async () => client.schedule.create<Workflow>(await createOptions(client, config, d)) })),
    ...plan.update.map((u) => ({ id: u.desired.id, run: () => update(client, u) })),
    ...plan.migrate.map((m) => ({ id: m.desired.id, run: () => migrate(client, config, m, errors, message) })),
    ...plan.delete.map((e) => ({ id: e.id, run: () => remove(client, e.id) })),
  ];
  await boundedMap(steps, PARALLEL, async ({ id, run }) => {
    try {
      await run();
    } catch (err) {
      errors.set(id, message(err));
    }
  });
  return errors;
}

/**
 * Creates the schedule under its new id, paused as the old one was, then deletes the old one: if
 * the create fails the old schedule stays (and the next apply tries again), so the pipeline is
 * never without its schedule, and never has two once the delete is done.
 */
async function migrate(client: Client, config: TributaryConfig, m: ScheduleMigration, errors: Map<string, string>, message: (err: unknown) => string): Promise<void> {
  const state = { paused: m.paused, note: m.note, ...(m.legacy.remainingActions !== undefined ? { remainingActions: m.legacy.remainingActions } : {}) };
  try {
    await client.schedule.create<Workflow>(await createOptions(client, config, { ...m.desired, paused: m.paused, options: { ...m.desired.options, state } }));
  } catch (err) {
    errors.set(m.legacy.id, `not deleted: its replacement ${m.desired.id} was not created`);
    throw err;
  }
  try {
    await remove(client, m.legacy.id);
  } catch (err) {
    errors.set(m.legacy.id, message(err));
  }
}

/**
 * A CDC pipeline's sync schedule made while its continuous workflow runs is created paused, as
 * `cdc start` would have paused it, so `cdc stop` resumes it and no run applies the same offsets.
 */
async function createOptions(client: Client, config: TributaryConfig, d: DesiredSchedule): Promise<DesiredSchedule['options']> {
  const p = config.pipelines.find((x) => x.name === d.pipeline);
  if (d.paused || !p || !kindOf(p).continuous || d.options.action.workflowType !== 'syncPipeline') return d.options;
  const workflowId = cdcWorkflowId(config, d.pipeline, d.region);
  if (!(await running(client, workflowId))) return d.options;
  return { ...d.options, state: { ...d.options.state, paused: true, note: continuousPauseNote(workflowId) } };
}

async function running(client: Client, workflowId: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

function update(client: Client, u: ScheduleUpdate): Promise<void> {
  const { spec, action, policies } = u.desired.options;
  return client.schedule.getHandle(u.desired.id).update<Workflow>((prev) => ({
    spec,
    action,
    policies,
    state:
      u.paused === undefined
        ? { paused: prev.state.paused, note: prev.state.note, remainingActions: prev.state.remainingActions }
        : { paused: u.paused, note: u.paused ? PAUSED_IN_CONFIG : undefined, remainingActions: prev.state.remainingActions },
  }));
}

async function remove(client: Client, id: string): Promise<void> {
  try {
    await client.schedule.getHandle(id).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err; // already gone is what we wanted
  }
}
