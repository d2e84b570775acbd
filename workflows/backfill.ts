// backfillPipeline(pipeline, region, [from, to)): re-syncs a past range in chunks, extract + merge
// per chunk, a bounded number at once. Chunks carry no checkpoint, so the pipeline's checkpoint
// never moves back; batch ids are fixed per backfill and chunk, so a retried merge is a no-op.
// Progress is a query and search attributes; the history stays bounded by continuing as new.
import { setWorkflowOptions, continueAsNew, defineQuery, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities, BackfillInput, BackfillPlan, BackfillProgress, BackfillResult, MergeResult, WorkUnit } from '../activities/index.js';
import { CHUNKS_DONE_KEY, CHUNKS_TOTAL_KEY } from '../names/search-attributes.js';
import { backfillChunkKeys, backfillRunId } from '../names/stage-keys.js';
import { activityPriority } from '../names/task-priority.js';
import { fairActivities } from './fair-activities.js';

export const backfillProgressQuery = defineQuery<BackfillProgress>('backfillProgress');

export interface BackfillOptions {
  heartbeatTimeoutSeconds?: number;
  /** Continue as new once the history has this many events (Temporal suggests it at about 4 K). */
  maxHistoryEvents?: number;
}

/** What one run hands the next when it continues as new. */
export interface BackfillState {
  plan: BackfillPlan;
  /** Chunks [0, next) are merged. */
  next: number;
  rowsStaged: number;
  inserted: number;
  updated: number;
  unchanged: number;
  runs: number;
}

/**
 * The unit of chunk `index` (chunks are numbered over the plan's sources in order): the source's
 * unit with the chunk's batch id, stage folder and, when bounds cut the source, its keyset bounds.
 * Pure.
 */
export function backfillUnit(plan: BackfillPlan, index: number, backfillId: string): WorkUnit {
  let i = index;
  for (const [s, src] of plan.sources.entries()) {
    const chunks = src.bounds.length + 1;
    if (i >= chunks) {
      i -= chunks;
      continue;
    }
    const chunk = backfillChunkKeys(plan.pipeline, plan.region, backfillId, s, i);
    if (src.bounds.length === 0) return { ...src.unit, ...chunk };
    return { ...src.unit, ...chunk, after: i === 0 ? null : src.bounds[i - 1]!, until: i === chunks - 1 ? null : src.bounds[i]! } as WorkUnit;
  }
  throw new Error(`chunk ${index} is not in the plan (${plan.chunksTotal} chunks)`);
}

export async function backfillPipeline(input: BackfillInput, options: BackfillOptions = {}, state?: BackfillState): Promise<BackfillResult> {
  // Behind regular runs' tasks (names/task-priority.ts), set here too: a continued run's
  // activities must not depend on what the new run inherits.
  const { planBackfill } = proxyActivities<Activities>({
    startToCloseTimeout: '10 minutes',
    retry: { maximumInterval: '1 minute' },
    priority: activityPriority(input.source ?? input.pipeline, true),
  });
  const onSource = fairActivities(
    {
      startToCloseTimeout: '6 hours',
      heartbeatTimeout: `${options.heartbeatTimeoutSeconds ?? 30}s`,
      retry: { initialInterval: '1s', maximumInterval: '1 minute' },
    },
    true,
  );
  const maxHistory = options.maxHistoryEvents ?? 4_000;
  // Fixed for the whole chain of runs: a chunk re-run after a continue-as-new or a lost worker
  // gets the same batch id, so the ledger turns a second merge into a no-op.
  const backfillId = backfillRunId(workflowInfo().firstExecutionRunId);

  const s: BackfillState = state ?? { plan: await planBackfill(input), next: 0, rowsStaged: 0, inserted: 0, updated: 0, unchanged: 0, runs: 0 };
  s.runs++;
  const { plan } = s;
  let done = s.next;
  let inFlight = 0;
  const progress = (): BackfillProgress => ({
    pipeline: plan.pipeline,
    region: plan.region,
    from: plan.from,
    to: plan.to,
    chunksTotal: plan.chunksTotal,
    chunksDone: done,
    inFlight,
    rowsStaged: s.rowsStaged,
    inserted: s.inserted,
    updated: s.updated,
    runs: s.runs,
  });
  setHandler(backfillProgressQuery, progress);
  upsertSearchAttributes([
    { key: CHUNKS_TOTAL_KEY, value: plan.chunksTotal },
    { key: CHUNKS_DONE_KEY, value: done },
  ]);

  const historyFull = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= maxHistory;
  const add = (m: MergeResult) => {
    s.rowsStaged += m.rowsStaged;
    s.inserted += m.inserted;
    s.updated += m.updated;
    s.unchanged += m.unchanged;
  };
  // Lanes take the next chunk until none is left or the history is full; chunks finish out of
  // order, so `done` counts them and the next run starts after the last one handed out.
  const lane = async () => {
    while (s.next < plan.chunksTotal && !historyFull()) {
      const unit = backfillUnit(plan, s.next++, backfillId);
      inFlight++;
      try {
        const acts = onSource(unit.source);
        add(await acts.mergeStaged(await acts.extractToStage(unit)));
      } finally {
        inFlight--;
      }
      done++;
      upsertSearchAttributes([{ key: CHUNKS_DONE_KEY, value: done }]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, plan.maxParallel) }, lane));

  if (s.next < plan.chunksTotal) await continueAsNew<typeof backfillPipeline>(input, options, s);
  const { inFlight: _, ...result } = progress();
  return { ...result, unchanged: s.unchanged };
}

// Long-lived (it continues as new): under Worker Versioning it moves to each new build at its next
// workflow task, so a change to its code must keep old histories replaying (patched()); the short
// runs are pinned to the build they started on (workers/create-worker.ts).
// Only a versioned worker may name a behavior: the server refuses the workflow task of an
// unversioned one that does (its deployment name is empty; its build id is the bundle's).
setWorkflowOptions(() => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: 'AUTO_UPGRADE' } : {}), backfillPipeline);
