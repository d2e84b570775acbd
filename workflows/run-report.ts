// How a run ended, told to the worker through a sink: outside workflow history (replays do not
// call it), so a run's outcome, duration and rows become metrics with no activity of their own.
// The worker's side is workers/run-metrics-sink.ts.
import { isCancellation, proxySinks, type Sinks } from '@temporalio/workflow';

export interface RunReport {
  pipeline: string;
  region: string;
  outcome: 'succeeded' | 'failed' | 'cancelled';
  durationMs: number;
  /** Rows a succeeded run staged. */
  rows?: number;
}

export interface RunReportSinks extends Sinks {
  runReport: { ended(report: RunReport): void };
}

const { runReport } = proxySinks<RunReportSinks>();

/** Runs `run` and reports how it ended; its result or error passes through unchanged. */
export async function reportedRun<R extends { rowsStaged: number }>(input: { pipeline: string; region: string }, run: () => Promise<R>): Promise<R> {
  const started = Date.now(); // workflow time: deterministic
  const base = { pipeline: input.pipeline, region: input.region };
  try {
    const result = await run();
    runReport.ended({ ...base, outcome: 'succeeded', durationMs: Date.now() - started, rows: result.rowsStaged });
    return result;
  } catch (err) {
    runReport.ended({ ...base, outcome: isCancellation(err) ? 'cancelled' : 'failed', durationMs: Date.now() - started });
    throw err;
  }
}
