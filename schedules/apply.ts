// Makes the server's schedules match the config: reads ours (listed by id prefix, plus every
// desired id, since listing is eventually consistent), plans, and creates, updates and deletes.
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { TributaryConfig } from '../config/schema.js';
import { boundedMap } from '../workflows/bounded.js';
import { CONTINUOUS_PAUSE_NOTE, cdcWorkflowId, continuousRunning } from '../client/cdc-workflow-id.js';
import { PAUSED_IN_CONFIG, desiredSchedules, type DesiredSchedule } from './desired.js';
import { readExisting, type ExistingSchedule } from './existing.js';
import { SCHEDULE_ID_PREFIX } from './ids.js';
import { planReconcile, type ReconcilePlan, type ScheduleUpdate } from './plan.js';
import { planRows, type ApplyRow } from './report.js';

/** Schedule calls in flight at once: enough for hundreds of schedules, gentle on the frontend. */
const PARALLEL = 8;

export interface ApplyResult {
  dryRun: boolean;
  rows: ApplyRow[];
}

export async function applySchedules(client: Client, config: TributaryConfig, opts: { dryRun?: boolean } = {}): Promise<ApplyResult> {
  const desired = desiredSchedules(config);
  const existing = await readSchedules(client, desired.map((d) => d.id));
  const plan = planReconcile(desired, existing, config.temporal.taskQueuePrefix);
  const rows = planRows(plan);
  if (!opts.dryRun) {
    const errors = await execute(client, config, plan);
    for (const row of rows) row.error = errors.get(row.id);
  }
  return { dryRun: opts.dryRun ?? false, rows };
}

/** Every schedule whose id has our prefix, described; ids that do not exist are left out. */
export async function readSchedules(client: Client, alsoIds: readonly string[] = []): Promise<ExistingSchedule[]> {
  const ids = new Set(alsoIds);
  for await (const s of client.schedule.list()) if (s.scheduleId.startsWith(SCHEDULE_ID_PREFIX)) ids.add(s.scheduleId);
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
  const steps: { id: string; run: () => Promise<unknown> }[] = [
    // Sync and verify schedules start different workflows: create takes either.
    ...plan.create.map((d) => ({ id: d.id, run: async () => client.schedule.create<Workflow>(await createOptions(client, config, d)) })),
    ...plan.update.map((u) => ({ id: u.desired.id, run: () => update(client, u) })),
    ...plan.delete.map((e) => ({ id: e.id, run: () => remove(client, e.id) })),
  ];
  const errors = new Map<string, string>();
  await boundedMap(steps, PARALLEL, async ({ id, run }) => {
    try {
      await run();
    } catch (err) {
      errors.set(id, err instanceof Error ? err.message : String(err));
    }
  });
  return errors;
}

/**
 * A CDC pipeline's sync schedule made while its continuous workflow runs is created paused, as
 * `cdc start` would have paused it, so `cdc stop` resumes it and no run applies the same offsets.
 */
async function createOptions(client: Client, config: TributaryConfig, d: DesiredSchedule): Promise<DesiredSchedule['options']> {
  const p = config.pipelines.find((x) => x.name === d.pipeline);
  if (d.paused || p?.kind !== 'cdc' || d.options.action.workflowType !== 'syncPipeline') return d.options;
  if (!(await continuousRunning(client, config, d.pipeline, d.region))) return d.options;
  return { ...d.options, state: { paused: true, note: `${CONTINUOUS_PAUSE_NOTE} ${cdcWorkflowId(config, d.pipeline, d.region)}` } };
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
