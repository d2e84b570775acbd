// syncPipeline(pipeline, region): plan -> extract (parallel, bounded) -> merge -> result.
// Only references and counts pass through here; the rows go source -> stage -> warehouse.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, SyncInput, SyncResult } from '../activities/index.js';
import { boundedMap } from './bounded.js';

export interface SyncOptions {
  /** How long an extract or merge may go without a heartbeat before it is retried elsewhere. */
  heartbeatTimeoutSeconds?: number;
}

export async function syncPipeline(input: SyncInput, options: SyncOptions = {}): Promise<SyncResult> {
  const started = Date.now(); // workflow time: deterministic on replay
  const heartbeatTimeout = `${options.heartbeatTimeoutSeconds ?? 30}s`;
  const { planRange } = proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    retry: { maximumInterval: '1 minute' },
  });
  const { extractToStage, mergeStaged } = proxyActivities<Activities>({
    startToCloseTimeout: '6 hours',
    heartbeatTimeout,
    retry: { initialInterval: '1s', maximumInterval: '1 minute' },
  });

  const plan = await planRange({ ...input, runId: workflowInfo().runId });
  const merged = await boundedMap(plan.units, plan.maxParallel, async (unit) => mergeStaged(await extractToStage(unit)));

  const sum = (f: (m: (typeof merged)[number]) => number) => merged.reduce((a, m) => a + f(m), 0);
  return {
    pipeline: input.pipeline,
    region: input.region,
    units: plan.units.length,
    rowsStaged: sum((m) => m.rowsStaged),
    inserted: sum((m) => m.inserted),
    updated: sum((m) => m.updated),
    unchanged: sum((m) => m.unchanged),
    deleted: sum((m) => m.deleted),
    ranges: plan.units.map((u) => ({ source: u.source, from: u.from, to: u.to })),
    durationMs: Date.now() - started,
  };
}
