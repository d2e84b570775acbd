// Schedule ids and the marks that say a schedule is ours. A schedule belongs to one config
// deployment (its task queue prefix), so a test config or a second deployment in the same
// namespace never deletes another's schedules.
import { findPipeline, pipelineRegions } from '../config/resolve.js';
import type { TributaryConfig } from '../config/schema.js';

export const SCHEDULE_ID_PREFIX = 'tributary/';

/** Memo keys: on the schedule (fixed at create; Temporal cannot update a schedule's memo)... */
export const SCHEDULE_MEMO = { managedBy: 'managedBy', taskQueuePrefix: 'taskQueuePrefix' } as const;
/** ...and on its action, which every update replaces, so these always describe the live schedule. */
export const ACTION_MEMO = { hash: 'tributaryHash', configPaused: 'tributaryPaused' } as const;
export const MANAGED_BY = 'tributary';

export function scheduleId(pipeline: string, region: string): string {
  return `${SCHEDULE_ID_PREFIX}${pipeline}/${region}`;
}

/** The schedule ids `tributary pause|resume|trigger PIPELINE [--region R]` act on. */
export function scheduleIdsFor(config: TributaryConfig, pipeline: string, region?: string): string[] {
  const regions = pipelineRegions(config, findPipeline(config, pipeline));
  if (region === undefined) return regions.map((r) => scheduleId(pipeline, r));
  if (!regions.includes(region)) throw new Error(`pipeline "${pipeline}" does not run in region "${region}" (its regions: ${regions.join(', ')})`);
  return [scheduleId(pipeline, region)];
}
