// What the config promises, as metrics: every pipeline x region a worker serves gets its freshness
// SLO and its schedule's longest gap, which the alert rules compare the freshness and the last run
// with (infra/prometheus/rules.yml). Pure apart from the sink.
import { pipelineRegions } from '../../config/resolve.js';
import { longestScheduleGapSeconds } from '../../config/schedule-gap.js';
import { freshnessSloSeconds } from '../../config/slo.js';
import type { TributaryConfig } from '../../config/schema.js';
import type { PipelineMetrics, PipelineTargets } from './metrics.js';

/** The targets of every pipeline that runs in `region`. */
export function pipelineTargets(config: TributaryConfig, region: string): PipelineTargets[] {
  return config.pipelines
    .filter((p) => pipelineRegions(config, p).includes(region))
    .map((p) => ({ pipeline: p.name, region, freshnessSloSeconds: freshnessSloSeconds(config, p), scheduleGapSeconds: longestScheduleGapSeconds(p.schedule) }));
}

/** How often the targets are sent again: a statsd gauge that is not re-sent has no data in Datadog. */
export const TARGETS_EVERY_MS = 60_000;

/** Reports the targets now and every TARGETS_EVERY_MS until the returned stop is called. */
export function reportTargets(metrics: PipelineMetrics, config: TributaryConfig, region: string): () => void {
  const targets = pipelineTargets(config, region);
  const send = () => targets.forEach((t) => metrics.targets(t));
  send();
  const timer = setInterval(send, TARGETS_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
