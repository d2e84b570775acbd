// Task-queue priority and fairness (Temporal's matching service). A backfill's workflow and
// activity tasks are behind every regular run's on the region's queue; within one priority,
// the fairness key shares the worker slots among source servers and Kafka cells, so one busy
// server's backlog cannot hold back another's. Pure; used by the client and the workflows.
import type { Priority } from '@temporalio/common';

/** Lower goes first; Temporal's default (and so every regular, scheduled or CDC run's) is 3 of 1..5. */
export const BACKFILL_PRIORITY_KEY = 4;

/** The fairness key of work on one source server or Kafka cell: its endpoint id ("app/us", "events/us/cell-1"). */
export function sourceFairnessKey(source: string): string {
  return source;
}

/** The priority of an activity on `source`; `backfill` puts it behind regular runs' tasks. */
export function activityPriority(source: string, backfill = false): Priority {
  return { fairnessKey: sourceFairnessKey(source), ...(backfill ? { priorityKey: BACKFILL_PRIORITY_KEY } : {}) };
}
