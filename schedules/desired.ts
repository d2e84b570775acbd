// What Temporal should hold for a config: one schedule per pipeline x region that starts
// syncPipeline exactly as `tributary run` does, skips a fire while a run is in flight, and
// carries a hash of itself so reconcile compares hashes, not server-normalised descriptions.
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { pipelineRegions } from '../config/resolve.js';
import type { TributaryConfig } from '../config/schema.js';
import { ACTION_MEMO, MANAGED_BY, SCHEDULE_MEMO } from '../names/schedule-marks.js';
import { pipelineAttributes } from '../names/search-attributes.js';
import { scheduleId, syncWorkflowId, taskQueue } from '../names/temporal-ids.js';
import { contentHash } from './hash.js';
import { scheduleSpec } from './spec.js';
import type { DesiredSchedule } from './desired-schedule.js';
import type { syncPipeline } from '../workflows/sync-pipeline.js';
import { verifySchedules } from './verify.js';

export type { DesiredSchedule, SyncScheduleOptions } from './desired-schedule.js';

/** Fires missed while the server was down are taken only if at most this late (the server default is a year). */
export const CATCHUP_WINDOW = '10m';

export const PAUSED_IN_CONFIG = 'paused in the config (paused: true)';


export function desiredSchedules(config: TributaryConfig): DesiredSchedule[] {
  return [
    ...config.pipelines.flatMap((p) => [...new Set(pipelineRegions(config, p))].map((region) => desiredSchedule(config, p.name, region, p.schedule, p.paused))),
    // Pipelines with `verify.schedule` also get a verify schedule per region.
    ...verifySchedules(config),
  ];
}

function desiredSchedule(config: TributaryConfig, pipeline: string, region: string, schedule: string, paused: boolean): DesiredSchedule {
  const id = scheduleId(config, pipeline, region);
  const spec = scheduleSpec(schedule);
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'syncPipeline',
    // The server appends the nominal start time: runs are sync/P/R-2026-…Z.
    workflowId: syncWorkflowId(config, pipeline, region),
    taskQueue: taskQueue(config, region),
    args: [{ pipeline, region }, { heartbeatTimeoutSeconds: config.temporal.heartbeatTimeoutSeconds }] as Parameters<typeof syncPipeline>,
    typedSearchAttributes: pipelineAttributes(pipeline, region),
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW };
  // Everything Temporal is told, except the memos that carry the hash itself.
  const hash = contentHash({ spec, action, policies, paused });
  return {
    id,
    pipeline,
    region,
    schedule,
    paused,
    hash,
    options: {
      scheduleId: id,
      spec,
      action: { ...action, memo: { [ACTION_MEMO.hash]: hash, [ACTION_MEMO.configPaused]: paused } },
      policies,
      state: { paused, note: paused ? PAUSED_IN_CONFIG : undefined },
      memo: { [SCHEDULE_MEMO.managedBy]: MANAGED_BY, [SCHEDULE_MEMO.taskQueuePrefix]: config.temporal.taskQueuePrefix },
    },
  };
}
