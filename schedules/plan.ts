// Reconcile as a pure function: desired schedules against the ones on the server -> what to
// create, update, rename, delete and leave alone. Only our own schedules (managedBy memo, same
// task queue prefix, an id of ours) are ever updated or deleted; anything else is reported, not touched.
import { MANAGED_BY } from '../names/schedule-marks.js';
import { parseScheduleId, renamedScheduleId } from '../names/temporal-ids.js';
import type { DesiredSchedule } from './desired.js';
import type { ExistingSchedule } from './existing.js';

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

/**
 * One of our schedules under its old id (`tributary/<pipeline>/<region>` made by a deployment
 * with another prefix): created under the new id, then deleted. Paused as an update would leave
 * it: the live state (and note) unless the config's `paused` changed since the last apply.
 */
export interface ScheduleMigration {
  desired: DesiredSchedule;
  legacy: ExistingSchedule;
  paused: boolean;
  note?: string;
}

export interface ReconcilePlan {
  create: DesiredSchedule[];
  update: ScheduleUpdate[];
  migrate: ScheduleMigration[];
  delete: ExistingSchedule[];
  unchanged: Matched[];
  /** A desired id taken by a schedule that is not ours: left alone. */
  conflict: ScheduleConflict[];
}

/** Ours: made by tributary for the config deployment with this task queue prefix, under its id or its old one. */
export function isOwnSchedule(e: ExistingSchedule, taskQueuePrefix: string): boolean {
  if (e.managedBy !== MANAGED_BY || e.taskQueuePrefix !== taskQueuePrefix) return false;
  return parseScheduleId(e.id)?.prefix === taskQueuePrefix || renamedScheduleId(taskQueuePrefix, e.id) !== null;
}

export function planReconcile(desired: readonly DesiredSchedule[], existing: readonly ExistingSchedule[], taskQueuePrefix: string): ReconcilePlan {
  const byId = new Map(existing.map((e) => [e.id, e]));
  const wanted = new Set(desired.map((d) => d.id));
  // Our schedules under old ids, by the id each becomes.
  const legacyFor = new Map<string, ExistingSchedule>();
  for (const e of existing) {
    const renamed = renamedScheduleId(taskQueuePrefix, e.id);
    if (renamed !== null && isOwnSchedule(e, taskQueuePrefix)) legacyFor.set(renamed, e);
  }
  const plan: ReconcilePlan = { create: [], update: [], migrate: [], delete: [], unchanged: [], conflict: [] };
  const kept = new Set<string>();
  for (const d of [...desired].sort(byIdOf)) {
    const e = byId.get(d.id);
    const legacy = legacyFor.get(d.id);
    if (!e) {
      if (legacy) {
        plan.migrate.push({ desired: d, legacy, ...migratedState(d, legacy) });
        kept.add(legacy.id); // deleted by the migration, once the new one exists
      } else plan.create.push(d);
    } else if (!isOwnSchedule(e, taskQueuePrefix)) {
      plan.conflict.push({ desired: d, existing: e, reason: conflictReason(e) });
      // Its old schedule keeps running until the new id is free: never leave the pipeline with none.
      if (legacy) kept.add(legacy.id);
    } else if (e.hash === d.hash) plan.unchanged.push({ desired: d, existing: e });
    // The config's `paused` is applied when it changed since the last apply, not on every update.
    else plan.update.push({ desired: d, existing: e, paused: e.configPaused === d.paused ? undefined : d.paused });
  }
  // Ours and not wanted: removed pipelines and regions, and old ids whose new one exists already.
  plan.delete = existing.filter((e) => !wanted.has(e.id) && !kept.has(e.id) && isOwnSchedule(e, taskQueuePrefix)).sort(byIdOf);
  return plan;
}

function migratedState(d: DesiredSchedule, legacy: ExistingSchedule): { paused: boolean; note?: string } {
  if (legacy.configPaused !== d.paused) return { paused: d.paused, ...(d.options.state?.note ? { note: d.options.state.note } : {}) };
  return { paused: legacy.paused, ...(legacy.note ? { note: legacy.note } : {}) };
}

function conflictReason(e: ExistingSchedule): string {
  if (e.managedBy !== MANAGED_BY) return 'a schedule with this id exists that tributary did not create';
  return `the schedule belongs to the config with task queue prefix "${e.taskQueuePrefix ?? '?'}"`;
}

function byIdOf(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
