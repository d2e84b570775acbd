// The worker's side of workflows/run-report.ts: each run's end becomes the run metrics.
import type { InjectedSinks } from '@temporalio/worker';
import type { PipelineMetrics } from '../activities/metrics/index.js';
import type { RunReportSinks } from '../workflows/run-report.js';

export function runReportSinks(metrics: PipelineMetrics): InjectedSinks<RunReportSinks> {
  return {
    runReport: {
      ended: {
        fn: (_info, r) => metrics.run({ pipeline: r.pipeline, region: r.region }, r.outcome, r.durationMs, r.rows),
        callDuringReplay: false,
      },
    },
  };
}
