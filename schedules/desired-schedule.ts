// One schedule as apply wants it, sync or verify alike: what desired.ts and verify.ts build.
import type { ScheduleOptions, ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { syncPipeline } from '../workflows/sync-pipeline.js';
import type { verifyPipeline } from '../workflows/verify-pipeline.js';

export type SyncScheduleOptions = ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof syncPipeline>>;
export type VerifyScheduleOptions = ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof verifyPipeline>>;

export interface DesiredSchedule {
  id: string;
  pipeline: string;
  region: string;
  /** The pipeline's `schedule` as written in the config. */
  schedule: string;
  paused: boolean;
  hash: string;
  /** Ready for client.schedule.create, memos included (a verify schedule starts verifyPipeline). */
  options: SyncScheduleOptions | VerifyScheduleOptions;
}
