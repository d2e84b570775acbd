// A pipeline's `schedule` text as a Temporal schedule spec: "@every 10m" becomes an interval
// (epoch-aligned), anything else is a five-field cron in UTC.
import type { ScheduleSpec } from '@temporalio/client';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;

export function scheduleSpec(schedule: string): ScheduleSpec {
  const every = /^@every (\d+)([smh])$/.exec(schedule.trim());
  if (every) return { intervals: [{ every: Number(every[1]) * UNIT_MS[every[2] as keyof typeof UNIT_MS] }] };
  return { cronExpressions: [schedule.trim()] };
}
