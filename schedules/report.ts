// One row per schedule for what apply did (or would do), for the CLI's table and JSON.
import type { ReconcilePlan } from './plan.js';

export type ApplyAction = 'create' | 'update' | 'delete' | 'unchanged' | 'conflict';

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
  const rows: ApplyRow[] = [
    ...plan.create.map((d) => ({ id: d.id, action: 'create' as const, schedule: d.schedule, paused: d.paused })),
    ...plan.update.map((u) => ({
      id: u.desired.id,
      action: 'update' as const,
      schedule: u.desired.schedule,
      paused: u.paused ?? u.existing.paused,
      detail: u.paused === undefined ? handDetail(u.existing.paused, u.desired.paused, u.existing.note) : u.paused ? 'paused in the config' : 'resumed in the config',
    })),
    ...plan.delete.map((e) => ({ id: e.id, action: 'delete' as const, paused: e.paused, detail: 'no longer in the config' })),
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

/** A live paused state that differs from the config's was set by hand: say so, apply keeps it. */
function handDetail(livePaused: boolean, configPaused: boolean, note: string | undefined): string | undefined {
  if (livePaused === configPaused) return undefined;
  return livePaused ? `paused by hand${note ? `: ${note}` : ''}` : 'resumed by hand';
}
