// Temporal schedules reconciled from the pipeline config: pure planning, and the calls that apply it.
export { desiredSchedules, CATCHUP_WINDOW, PAUSED_IN_CONFIG, type DesiredSchedule, type SyncScheduleOptions } from './desired.js';
export { readExisting, type ExistingSchedule, type DescribedSchedule } from './existing.js';
export { planReconcile, isOwnSchedule, type ReconcilePlan, type ScheduleUpdate, type ScheduleConflict, type ScheduleMigration, type Matched } from './plan.js';
export { planRows, type ApplyRow, type ApplyAction } from './report.js';
export { applySchedules, readSchedules, type ApplyResult } from './apply.js';
export { pauseSchedule, resumeSchedule, triggerSchedule, scheduleIdsFor, type PauseResult, type TriggerResult } from './control.js';
export { scheduleSpec } from './spec.js';
export { contentHash } from './hash.js';
