// Verify schedules: a pipeline whose config has `verify: { schedule }` gets, per region, a second
// schedule that starts verifyPipeline (with repair when `verify.repair` is set). Same overlap
// policy, catch-up window and hashing as the sync schedules, so apply treats both alike.
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { PIPELINE_KEY, REGION_KEY } from '../client/run-pipeline.js';
import { verifyArgs, verifyWorkflowId } from '../client/verify.js';
import { pipelineRegions, taskQueue } from '../config/resolve.js';
import type { TributaryConfig } from '../config/schema.js';
import type { DesiredSchedule } from './desired-schedule.js';
import { contentHash } from './hash.js';
import { ACTION_MEMO, MANAGED_BY, SCHEDULE_MEMO, scheduleId } from './ids.js';
import { scheduleSpec } from './spec.js';

export const VERIFY_CATCHUP_WINDOW = '10m';

export function verifyScheduleId(pipeline: string, region: string): string {
  return `${scheduleId(pipeline, region)}/verify`;
}

export function verifySchedules(config: TributaryConfig): DesiredSchedule[] {
  return config.pipelines.flatMap((p) => {
    if ((p.kind !== 'fact' && p.kind !== 'dimension') || !p.verify?.schedule) return [];
    const schedule = p.verify.schedule;
    return [...new Set(pipelineRegions(config, p))].map((region): DesiredSchedule => {
      const id = verifyScheduleId(p.name, region);
      const spec = scheduleSpec(schedule);
      const action = {
        type: 'startWorkflow' as const,
        workflowType: 'verifyPipeline',
        workflowId: verifyWorkflowId(config, p.name, region),
        taskQueue: taskQueue(config, region),
        args: verifyArgs(config, { pipeline: p.name, region, repair: p.verify!.repair }),
        typedSearchAttributes: [
          { key: PIPELINE_KEY, value: p.name },
          { key: REGION_KEY, value: region },
        ],
      };
      const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: VERIFY_CATCHUP_WINDOW };
      const hash = contentHash({ spec, action, policies, paused: p.paused });
      return {
        id,
        pipeline: p.name,
        region,
        schedule,
        paused: p.paused,
        hash,
        options: {
          scheduleId: id,
          spec,
          action: { ...action, memo: { [ACTION_MEMO.hash]: hash, [ACTION_MEMO.configPaused]: p.paused } },
          policies,
          state: { paused: p.paused },
          memo: { [SCHEDULE_MEMO.managedBy]: MANAGED_BY, [SCHEDULE_MEMO.taskQueuePrefix]: config.temporal.taskQueuePrefix },
        },
      };
    });
  });
}
