// A pipeline's `schedule` text as a Temporal schedule spec: "@every 10m" becomes an interval
// (epoch-aligned), anything else is a five-field cron in UTC. Each fire is delayed by a random
// jitter of up to a tenth of the schedule's longest gap, at most a minute: hundreds of pipelines
// on one cron then start spread over that time, not in the same second.
import type { ScheduleSpec } from '@temporalio/client';
import { longestScheduleGapSeconds } from '../config/schedule-gap.js';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;
const MAX_JITTER_MS = 60_000;

/** Up to a tenth of the longest gap between fires, at most a minute (0: a cron that never fires). */
export function scheduleJitterMs(schedule: string): number {
  return Math.min(MAX_JITTER_MS, Math.floor(((longestScheduleGapSeconds(schedule) ?? 0) * 1000) / 10));
}

export function scheduleSpec(schedule: string): ScheduleSpec {
  const jitter = scheduleJitterMs(schedule);
  const every = /^@every (\d+)([smh])$/.exec(schedule.trim());
  const when = every ? { intervals: [{ every: Number(every[1]) * UNIT_MS[every[2] as keyof typeof UNIT_MS] }] } : { cronExpressions: [schedule.trim()] };
  return jitter > 0 ? { ...when, jitter } : when;
}
