// A pipeline's freshness SLO: its own `slo`, else the config's, else its schedule's longest gap
// plus a slack, so a pipeline that runs on time is never in breach by default. Pure.
import { longestScheduleGapSeconds } from './schedule-gap.js';
import type { PipelineConfig, TributaryConfig } from './schema.js';

/** Added to the schedule's longest gap when no SLO is configured: 15 minutes. */
export const SLO_SLACK_SECONDS = 900;

export function freshnessSloSeconds(cfg: Pick<TributaryConfig, 'slo'>, p: PipelineConfig): number {
  const set = p.slo?.freshnessSeconds ?? cfg.slo?.freshnessSeconds;
  if (set !== undefined) return set;
  return (longestScheduleGapSeconds(p.schedule) ?? 0) + SLO_SLACK_SECONDS;
}
