// Reconcile as a pure function: desired schedules against the ones on the server -> what to
// create, update, delete and leave alone. Only our own schedules (id prefix, managedBy memo,
// same task queue prefix) are ever updated or deleted; anything else is reported, not touched.
import type { DesiredSchedule } from './desired.js';
import type { ExistingSchedule } from './existing.js';
import { MANAGED_BY, SCHEDULE_ID_PREFIX } from './ids.js';

export interface ScheduleUpdate {
  desired: DesiredSchedule;
  existing: ExistingSchedule;
  /** The paused state to set; undefined keeps the live one, so a pause or resume by hand survives other changes. */
  paused?: boolean;
}

export interface Matched {
  desired: DesiredSchedule;
  existing: ExistingSchedule;
}

export interface ScheduleConflict extends Matched {
  reason: string;
}

export interface ReconcilePlan {
  create: DesiredSchedule[];
  update: ScheduleUpdate[];
  delete: ExistingSchedule[];
  unchanged: Matched[];
  /** A desired id taken by a schedule that is not ours: left alone. */
  conflict: ScheduleConflict[];
}

/** Ours: made by tributary for the config deployment with this task queue prefix. */
export function isOwnSchedule(e: ExistingSchedule, taskQueuePrefix: string): boolean {
  return e.id.startsWith(SCHEDULE_ID_PREFIX) && e.managedBy === MANAGED_BY && e.taskQueuePrefix === taskQueuePrefix;
}

export function planReconcile(desired: readonly DesiredSchedule[], existing: readonly ExistingSchedule[], taskQueuePrefix: string): ReconcilePlan {
  const byId = new Map(existing.map((e) => [e.id, e]));
  const wanted = new Set(desired.map((d) => d.id));
  const plan: ReconcilePlan = { create: [], update: [], delete: [], unchanged: [], conflict: [] };
  for (const d of [...desired].sort(byIdOf)) {
    const e = byId.get(d.id);
    if (!e) plan.create.push(d);
    else if (!isOwnSchedule(e, taskQueuePrefix)) plan.conflict.push({ desired: d, existing: e, reason: conflictReason(e) });
    else if (e.hash === d.hash) plan.unchanged.push({ desired: d, existing: e });
    // The config's `paused` is applied when it changed since the last apply, not on every update.
    else plan.update.push({ desired: d, existing: e, paused: e.configPaused === d.paused ? undefined : d.paused });
  }
  plan.delete = existing.filter((e) => !wanted.has(e.id) && isOwnSchedule(e, taskQueuePrefix)).sort(byIdOf);
  return plan;
}

function conflictReason(e: ExistingSchedule): string {
  if (e.managedBy !== MANAGED_BY) return 'a schedule with this id exists that tributary did not create';
  return `the schedule belongs to the config with task queue prefix "${e.taskQueuePrefix ?? '?'}"`;
}

function byIdOf(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
