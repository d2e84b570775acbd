// cdcContinuous(pipeline, region): a long-running workflow that applies a CDC pipeline's batches
// as they come: one right after another while a batch comes back full, else one every
// intervalSeconds. Its history is bounded with continue-as-new (the small state travels along).
// Freshness = now minus the source commit time of the newest applied change: a query answers
// it, and the merge activity reports it as a metric. Deterministic: only references and counts.
import { setWorkflowOptions, condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler, workflowInfo, log } from '@temporalio/workflow';
import type { Activities, MergeResult, StagedBatch, WorkUnit } from '../activities/index.js';
import { bySource } from '../common/by-source.js';
import { rootMessage } from '../common/root-message.js';
import { cdcPollRunId } from '../names/stage-keys.js';
import { sourceFairnessKey } from '../names/task-priority.js';
import { fairActivities } from './fair-activities.js';

export interface CdcContinuousState {
  /** Source commit time (ms since the epoch) of the newest change applied so far; null before the first. */
  newestAppliedMs: number | null;
  /** Workflow time of the last poll (ms since the epoch); null before the first. */
  polledAt: number | null;
  batches: number;
  events: number;
  /** Runs of this workflow so far (continue-as-new starts the next). */
  runs: number;
}

export interface CdcContinuousInput {
  pipeline: string;
  region: string;
  /** Poll this often while no batch is waiting (the pipeline's options.intervalSeconds). */
  intervalSeconds: number;
  heartbeatTimeoutSeconds?: number;
  /** Polls per run before continuing as new (Temporal may suggest it sooner). */
  pollsPerRun?: number;
  state?: CdcContinuousState;
}

export interface CdcFreshness extends CdcContinuousState {
  /** Seconds from the newest applied change's commit to the last poll that found nothing newer waiting (or the last apply). */
  freshnessSeconds: number | null;
  lastError: string | null;
}

export const cdcFreshnessQuery = defineQuery<CdcFreshness>('freshness');
export const cdcStopSignal = defineSignal('stop');

export async function cdcContinuous(input: CdcContinuousInput): Promise<CdcContinuousState> {
  const heartbeatTimeout = `${input.heartbeatTimeoutSeconds ?? 30}s`;
  const { planRange } = proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    retry: { maximumInterval: '30s' },
    priority: { fairnessKey: sourceFairnessKey(input.pipeline) },
  });
  const onSource = fairActivities({
    startToCloseTimeout: '1 hour',
    heartbeatTimeout,
    retry: { initialInterval: '1s', maximumInterval: '30s' },
  });
  const extractToStage = (unit: WorkUnit) => onSource(unit.source).extractToStage(unit);
  const mergeStaged = (batch: StagedBatch) => onSource(batch.unit.source).mergeStaged(batch);

  const state: CdcContinuousState = { ...(input.state ?? { newestAppliedMs: null, polledAt: null, batches: 0, events: 0, runs: 0 }) };
  state.runs++;
  let lastError: string | null = null;
  let stop = false;
  setHandler(cdcFreshnessQuery, () => ({
    ...state,
    lastError,
    freshnessSeconds: state.newestAppliedMs === null || state.polledAt === null ? null : Math.max(0, (state.polledAt - state.newestAppliedMs) / 1000),
  }));
  setHandler(cdcStopSignal, () => void (stop = true));

  /** Extracts the next batch while the one before merges; stops after a batch cut short. */
  async function applyInOrder(units: WorkUnit[]): Promise<MergeResult[]> {
    const out: MergeResult[] = [];
    let next: Promise<StagedBatch> | undefined = extractToStage(units[0]!);
    for (let i = 0; next; i++) {
      const batch: StagedBatch = await next;
      const more = i + 1 < units.length && !batch.endsRun;
      next = more ? extractToStage(units[i + 1]!) : undefined;
      // Handled when awaited; a failing merge must not leave it unobserved.
      next?.catch(() => undefined);
      out.push(await mergeStaged(batch));
    }
    return out;
  }

  const polls = input.pollsPerRun ?? 500;
  for (let poll = 0; poll < polls && !stop; poll++) {
    let full = false;
    try {
      const plan = await planRange({ pipeline: input.pipeline, region: input.region, runId: cdcPollRunId(workflowInfo().runId, poll) });
      if (plan.failures?.length) lastError = plan.failures.map((f) => f.message).join('; ');
      // The clusters apply side by side; each cluster's batches in order, ending where a batch ends its run.
      const merged = (await Promise.all([...bySource(plan.units).values()].map((units) => applyInOrder(units)))).flat();
      for (const m of merged) {
        if (m.alreadyCommitted) continue;
        state.batches++;
        state.events += m.cdc?.events ?? 0;
        const newest = m.cdc?.newestSourceTsMs ?? null;
        if (newest !== null && (state.newestAppliedMs === null || newest > state.newestAppliedMs)) state.newestAppliedMs = newest;
      }
      full = plan.full === true;
      if (!plan.failures?.length) lastError = null;
    } catch (err) {
      // A failed batch is retried by the next poll, planned again from the ledger.
      lastError = rootMessage(err);
      log.warn('CDC poll failed', { pipeline: input.pipeline, region: input.region, error: lastError });
    }
    state.polledAt = Date.now();
    if (workflowInfo().continueAsNewSuggested) break;
    if (!full) await condition(() => stop, `${input.intervalSeconds}s`);
  }
  if (stop) return state;
  return continueAsNew<typeof cdcContinuous>({ ...input, state });
}

// Long-lived (it continues as new): under Worker Versioning it moves to each new build at its next
// workflow task, so a change to its code must keep old histories replaying (patched()); the short
// runs are pinned to the build they started on (workers/create-worker.ts).
// Only a versioned worker may name a behavior: the server refuses the workflow task of an
// unversioned one that does (its deployment name is empty; its build id is the bundle's).
setWorkflowOptions(() => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: 'AUTO_UPGRADE' } : {}), cdcContinuous);
