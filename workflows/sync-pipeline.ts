// syncPipeline(pipeline, region): plan -> extract (parallel, bounded) -> merge -> result.
// Only references and counts pass through here; the rows go source -> stage -> warehouse.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, MergeResult, SyncInput, SyncResult } from '../activities/index.js';
import { createLimiter } from './bounded.js';

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
  // Extracts run in parallel (bounded); merges go one at a time in plan order, so each chunk's
  // checkpoint only ever moves forward and a stopped run resumes after the last merged chunk.
  const extract = createLimiter(plan.maxParallel);
  const staged = plan.units.map((unit) => extract(() => extractToStage(unit)));
  // A later extract may fail while an earlier merge is awaited: it is handled when its turn comes.
  for (const p of staged) p.catch(() => undefined);
  const merged: MergeResult[] = [];
  for (const batch of staged) merged.push(await mergeStaged(await batch));

  const sum = (f: (m: MergeResult) => number) => merged.reduce((a, m) => a + f(m), 0);
  return {
    pipeline: input.pipeline,
    region: input.region,
    units: plan.units.length,
    rowsStaged: sum((m) => m.rowsStaged),
    inserted: sum((m) => m.inserted),
    updated: sum((m) => m.updated),
    unchanged: sum((m) => m.unchanged),
    deleted: sum((m) => m.deleted),
    ranges: plan.units.map((u) => {
      const range = u.kind === 'fact' ? u : u.kind === 'dimension' && u.window ? u.window : { from: null, to: null };
      return { source: u.source, from: range.from, to: range.to };
    }),
    durationMs: Date.now() - started,
  };
}
