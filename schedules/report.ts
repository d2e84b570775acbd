// One row per schedule for what apply did (or would do), for the CLI's table and JSON.
import { renamedScheduleId } from '../names/temporal-ids.js';
import type { ExistingSchedule } from './existing.js';
import type { ReconcilePlan } from './plan.js';

/** `migrate`: created under the deployment's id from the schedule under its old id (whose row says `delete`). */
export type ApplyAction = 'create' | 'update' | 'migrate' | 'delete' | 'unchanged' | 'conflict';

export interface ApplyRow {
  id: string;
  action: ApplyAction;
  /** The pipeline's schedule as written in the config (absent for deletes). */
  schedule?: string;
  /** Paused once the action is done. */
  paused: boolean;
  detail?: string;
  /** Set when the action failed; the other rows still ran. */
  error?: string;
}

export function planRows(plan: ReconcilePlan): ApplyRow[] {
  const desiredIds = new Set([...plan.create, ...plan.update.map((u) => u.desired), ...plan.unchanged.map((m) => m.desired), ...plan.conflict.map((c) => c.desired)].map((d) => d.id));
  const rows: ApplyRow[] = [
    ...plan.create.map((d) => ({ id: d.id, action: 'create' as const, schedule: d.schedule, paused: d.paused })),
    ...plan.update.map((u) => ({
      id: u.desired.id,
      action: 'update' as const,
      schedule: u.desired.schedule,
      paused: u.paused ?? u.existing.paused,
      detail: u.paused === undefined ? handDetail(u.existing.paused, u.desired.paused, u.existing.note) : u.paused ? 'paused in the config' : 'resumed in the config',
    })),
    ...plan.migrate.flatMap((m) => [
      { id: m.desired.id, action: 'migrate' as const, schedule: m.desired.schedule, paused: m.paused, detail: migrateDetail(m.legacy.id, m.paused, m.desired.paused, m.note) },
      { id: m.legacy.id, action: 'delete' as const, paused: m.legacy.paused, detail: `old id, replaced by ${m.desired.id}` },
    ]),
    ...plan.delete.map((e) => ({ id: e.id, action: 'delete' as const, paused: e.paused, detail: deleteDetail(e, desiredIds) })),
    ...plan.unchanged.map(({ desired: d, existing: e }) => ({
      id: d.id,
      action: 'unchanged' as const,
      schedule: d.schedule,
      paused: e.paused,
      detail: handDetail(e.paused, d.paused, e.note),
    })),
    ...plan.conflict.map((c) => ({ id: c.desired.id, action: 'conflict' as const, schedule: c.desired.schedule, paused: c.existing.paused, detail: c.reason })),
  ];
  return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** An old id whose new one is there already is a leftover; anything else left the config. */
function deleteDetail(e: ExistingSchedule, desiredIds: ReadonlySet<string>): string {
  const renamed = e.taskQueuePrefix === undefined ? null : renamedScheduleId(e.taskQueuePrefix, e.id);
  return renamed !== null && desiredIds.has(renamed) ? `old id, replaced by ${renamed}` : 'no longer in the config';
}

function migrateDetail(legacyId: string, paused: boolean, configPaused: boolean, note: string | undefined): string {
  const hand = handDetail(paused, configPaused, note);
  return `from old id ${legacyId}${hand ? `, ${hand}` : ''}`;
}

/** A live paused state that differs from the config's was set by hand: say so, apply keeps it. */
function handDetail(livePaused: boolean, configPaused: boolean, note: string | undefined): string | undefined {
  if (livePaused === configPaused) return undefined;
  return livePaused ? `paused by hand${note ? `: ${note}` : ''}` : 'resumed by hand';
}
