// How far a syncPipeline run has got, read from its history: the units its plan made, and how
// many are extracted and merged. For showing progress while following a run.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { Plan } from '../activities/types.js';

export interface RunProgress {
  /** Null until the plan is made. */
  units: number | null;
  extracted: number;
  merged: number;
  /** Activities being retried (attempt > 1) right now. */
  retrying: number;
}

/** The parts of a history event read here (event ids are protobuf Longs in real histories). */
interface HistoryEvent {
  eventId?: { toString(): string } | number | null;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
  activityTaskCompletedEventAttributes?: { scheduledEventId?: { toString(): string } | number | null; result?: { payloads?: Payload[] | null } | null } | null;
}

/** Pure: counts over the history events of one run. */
export function runProgress(events: readonly HistoryEvent[]): RunProgress {
  const typeOf = new Map<string, string>();
  const progress: RunProgress = { units: null, extracted: 0, merged: 0, retrying: 0 };
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) typeOf.set(String(e.eventId), scheduled.activityType?.name ?? '');
    const done = e.activityTaskCompletedEventAttributes;
    if (!done) continue;
    const type = typeOf.get(String(done.scheduledEventId));
    if (type === 'extractToStage') progress.extracted++;
    if (type === 'mergeStaged') progress.merged++;
    if (type === 'planRange' && done.result?.payloads?.[0]) {
      const plan = defaultPayloadConverter.fromPayload<Plan>(done.result.payloads[0]);
      // Small units come back extracted and merged already.
      const inline = plan.inline?.length ?? 0;
      progress.units = plan.units.length + inline;
      progress.extracted += inline;
      progress.merged += inline;
    }
  }
  return progress;
}

/** The progress of a run, with its pending retries; undefined if it cannot be read right now. */
export async function readRunProgress(client: Client, handle: WorkflowHandle): Promise<RunProgress | undefined> {
  try {
    return await client.withDeadline(Date.now() + 5_000, async () => {
      const [history, d] = await Promise.all([handle.fetchHistory(), handle.describe()]);
      const p = runProgress(history.events ?? []);
      p.retrying = (d.raw.pendingActivities ?? []).filter((a) => (a.attempt ?? 1) > 1).length;
      return p;
    });
  } catch {
    return undefined;
  }
}
