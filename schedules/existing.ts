// What reconcile needs to know about a schedule already on the server, read from its
// description: whose it is, the hash it was last applied with, and whether it is paused.
import type { ScheduleDescription } from '@temporalio/client';
import { ACTION_MEMO, SCHEDULE_MEMO } from '../names/schedule-marks.js';

export interface ExistingSchedule {
  id: string;
  /** Schedule memo `managedBy`: "tributary" for ours, absent for schedules made by others. */
  managedBy?: string;
  /** The task queue prefix of the config that created it: one deployment's schedules. */
  taskQueuePrefix?: string;
  /** The hash of the desired schedule last applied to it. */
  hash?: string;
  /** The config's `paused` when it was last applied (a pause by hand differs from it). */
  configPaused?: boolean;
  paused: boolean;
  note?: string;
  /** Actions left before the schedule stops taking any (set by hand); undefined for no limit. */
  remainingActions?: number;
}

export type DescribedSchedule = Pick<ScheduleDescription, 'scheduleId' | 'memo' | 'state'> & { action: Pick<ScheduleDescription['action'], 'memo'> };

export function readExisting(d: DescribedSchedule): ExistingSchedule {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const flag = d.action.memo?.[ACTION_MEMO.configPaused];
  return {
    id: d.scheduleId,
    managedBy: text(d.memo?.[SCHEDULE_MEMO.managedBy]),
    taskQueuePrefix: text(d.memo?.[SCHEDULE_MEMO.taskQueuePrefix]),
    hash: text(d.action.memo?.[ACTION_MEMO.hash]),
    configPaused: typeof flag === 'boolean' ? flag : undefined,
    paused: d.state.paused,
    note: d.state.note || undefined,
    ...(d.state.remainingActions !== undefined ? { remainingActions: d.state.remainingActions } : {}),
  };
}
