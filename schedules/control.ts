// Pause, resume and trigger the schedules of one pipeline (all its regions, or one).
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleHandle } from '@temporalio/client';
import { findPipeline, pipelineRegions } from '../config/resolve.js';
import type { TributaryConfig } from '../config/schema.js';
import { scheduleId } from '../names/temporal-ids.js';

/** The schedule ids `tributary pause|resume|trigger PIPELINE [--region R]` act on: this deployment's. */
export function scheduleIdsFor(config: TributaryConfig, pipeline: string, region?: string): string[] {
  const regions = pipelineRegions(config, findPipeline(config, pipeline));
  if (region === undefined) return regions.map((r) => scheduleId(config, pipeline, r));
  if (!regions.includes(region)) throw new Error(`pipeline "${pipeline}" does not run in region "${region}" (its regions: ${regions.join(', ')})`);
  return [scheduleId(config, pipeline, region)];
}

export interface PauseResult {
  id: string;
  paused: boolean;
  note?: string;
}

export interface TriggerResult {
  id: string;
  /** Runs of this schedule in flight when it was triggered: with overlap SKIP the trigger starts nothing then. */
  running: string[];
}

export function pauseSchedule(client: Client, config: TributaryConfig, pipeline: string, region?: string, note = 'paused with tributary pause'): Promise<PauseResult[]> {
  return setPaused(client, config, pipeline, region, true, note);
}

export function resumeSchedule(client: Client, config: TributaryConfig, pipeline: string, region?: string, note = 'resumed with tributary resume'): Promise<PauseResult[]> {
  return setPaused(client, config, pipeline, region, false, note);
}

/** Starts a run now. SKIP, not the SDK's default ALLOW_ALL: never a second run beside one in flight. */
export async function triggerSchedule(client: Client, config: TributaryConfig, pipeline: string, region?: string): Promise<TriggerResult[]> {
  const results: TriggerResult[] = [];
  for (const id of scheduleIdsFor(config, pipeline, region)) {
    results.push(
      await onSchedule(client, id, async (h) => {
        const running = (await h.describe()).info.runningActions.map((a) => a.workflow.workflowId);
        await h.trigger(ScheduleOverlapPolicy.SKIP);
        return { id, running };
      }),
    );
  }
  return results;
}

async function setPaused(client: Client, config: TributaryConfig, pipeline: string, region: string | undefined, paused: boolean, note: string): Promise<PauseResult[]> {
  const results: PauseResult[] = [];
  for (const id of scheduleIdsFor(config, pipeline, region)) {
    results.push(
      await onSchedule(client, id, async (h) => {
        await (paused ? h.pause(note) : h.unpause(note));
        const { state } = await h.describe();
        return { id, paused: state.paused, note: state.note || undefined };
      }),
    );
  }
  return results;
}

async function onSchedule<T>(client: Client, id: string, fn: (h: ScheduleHandle) => Promise<T>): Promise<T> {
  try {
    return await fn(client.schedule.getHandle(id));
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new Error(`schedule "${id}" does not exist: run "tributary apply" first`, { cause: err });
    throw err;
  }
}
