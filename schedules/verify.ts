// Verify schedules: every fact, dimension and topic pipeline, and every cdc pipeline that names the
// table its connector captures, gets per region a second schedule (daily by default; `verify: false`
// turns it off) that starts verifyPipeline (with repair when `verify.repair` is set). Same overlap
// policy, catch-up window and hashing as the sync schedules, so apply treats both alike.
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { kindOf } from '../activities/kinds/registry.js';
import { warehouseRepairBlocker, warehouseVerifyBlocker } from '../activities/reconcile/warehouse-blocker.js';
import { pipelineRegions, verifySettings } from '../config/resolve.js';
import type { TributaryConfig } from '../config/schema.js';
import { ACTION_MEMO, MANAGED_BY, SCHEDULE_MEMO } from '../names/schedule-marks.js';
import { pipelineAttributes } from '../names/search-attributes.js';
import { taskQueue, verifyScheduleId, verifyWorkflowId } from '../names/temporal-ids.js';
import type { verifyPipeline } from '../workflows/verify-pipeline.js';
import type { DesiredSchedule } from './desired-schedule.js';
import { contentHash } from './hash.js';
import { scheduleSpec } from './spec.js';

export const VERIFY_CATCHUP_WINDOW = '10m';

export function verifySchedules(config: TributaryConfig): DesiredSchedule[] {
  return config.pipelines.flatMap((p) => {
    const settings = verifySettings(p);
    // A kind may need more than the config says to verify (a cdc target, the table its connector
    // captures), and a warehouse its side of the comparison: without either, no schedule.
    const kind = kindOf(p);
    if (!settings || !kind.verify || kind.verifyBlocker?.(p) !== undefined || warehouseVerifyBlocker(config.warehouse, p.kind) !== undefined) return [];
    // A scheduled repair the warehouse cannot run: the schedule verifies only.
    const { schedule, buckets } = settings;
    const repair = settings.repair && warehouseRepairBlocker(config.warehouse, p.kind) === undefined;
    return [...new Set(pipelineRegions(config, p))].map((region): DesiredSchedule => {
      const id = verifyScheduleId(config, p.name, region);
      const spec = scheduleSpec(schedule);
      const action = {
        type: 'startWorkflow' as const,
        workflowType: 'verifyPipeline',
        workflowId: verifyWorkflowId(config, p.name, region),
        taskQueue: taskQueue(config, region),
        // What `tributary verify` starts with for the same pipeline (client/verify.ts verifyArgs;
        // a unit test holds the two equal): the config has validated the buckets already.
        args: [{ pipeline: p.name, region, buckets, repair }, { heartbeatTimeoutSeconds: config.temporal.heartbeatTimeoutSeconds }] as Parameters<typeof verifyPipeline>,
        typedSearchAttributes: pipelineAttributes(p.name, region),
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
