// Replaying what past runs staged, from code: the batches come from the runs' Temporal history
// (the extractToStage results, and the batches a plan extracted and merged itself: file
// references and columns; the files must still be in the stage,
// stage.retentionDays), and a replayPipeline workflow on the region's worker merges them again
// through the merge activity a run uses. Each replayed batch gets a new batch id, so the ledger does
// not take it for a retry; the kind's merge rules still hold (workflows/replay.ts). A dimension
// snapshot replayed is a whole-table snapshot again: keys it lacks are deleted, so replay an old
// dimension batch only to roll back to it.
import { type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { pipelineRegions } from '../config/resolve.js';
import type { TributaryConfig } from '../config/schema.js';
import type { Plan, ReplayedBatch, StagedBatch } from '../activities/types.js';
import { PIPELINE_KEY, REGION_KEY, pipelineAttributes } from '../names/search-attributes.js';
import { isSyncRunOf, replayWorkflowId, taskQueue } from '../names/temporal-ids.js';
import type { replayPipeline } from '../workflows/replay.js';
import { knownPipeline } from './backfill.js';

export type { ReplayedBatch } from '../activities/types.js';

export interface ReplayOptions {
  pipeline: string;
  region: string;
  /** Runs started at or after / before these instants (ISO-8601). */
  since?: string;
  until?: string;
  dryRun?: boolean;
  /** Distinguishes this replay's batch ids; the time it started by default. */
  replayId?: string;
}

function instant(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`${flag} expects a date and time like 2026-01-31T12:00:00Z, got "${value}"`);
  return new Date(t).toISOString();
}

/** The batches the runs of one pipeline and region staged, oldest run first. */
export async function stagedBatches(client: Client, config: TributaryConfig, opts: ReplayOptions): Promise<{ run: string; batch: StagedBatch }[]> {
  // Names come from the validated config ([a-z0-9_-]; findPipeline first); dates are re-rendered.
  // This deployment's runs only: its task queue, and its sync run ids of the pair (manual and scheduled).
  const queue = taskQueue(config, opts.region);
  const where = [`WorkflowType = 'syncPipeline'`, `${PIPELINE_KEY.name} = '${opts.pipeline}'`, `${REGION_KEY.name} = '${opts.region}'`, `TaskQueue = '${queue}'`];
  const since = instant(opts.since, '--since');
  const until = instant(opts.until, '--until');
  if (since) where.push(`StartTime >= '${since}'`);
  if (until) where.push(`StartTime < '${until}'`);
  const runs: { workflowId: string; runId: string; start: number }[] = [];
  for await (const w of client.workflow.list({ query: where.join(' AND ') })) {
    if (isSyncRunOf(config, opts.pipeline, opts.region, w.workflowId)) runs.push({ workflowId: w.workflowId, runId: w.runId, start: w.startTime.getTime() });
  }
  runs.sort((a, b) => a.start - b.start);

  const out: { run: string; batch: StagedBatch }[] = [];
  for (const r of runs) {
    const history = await client.workflow.getHandle(r.workflowId, r.runId).fetchHistory();
    const extracts = new Set<string>();
    const plans = new Set<string>();
    const run = `${r.workflowId} (${r.runId})`;
    for (const e of history.events ?? []) {
      const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (type === 'extractToStage') extracts.add(String(e.eventId));
      if (type === 'planRange') plans.add(String(e.eventId));
      const done = e.activityTaskCompletedEventAttributes;
      const payload = done?.result?.payloads?.[0];
      if (!done || !payload) continue;
      if (extracts.has(String(done.scheduledEventId))) out.push({ run, batch: defaultPayloadConverter.fromPayload<StagedBatch>(payload) });
      // Small units: staged and merged by the plan, before any extract of the run.
      if (plans.has(String(done.scheduledEventId))) for (const b of defaultPayloadConverter.fromPayload<Plan>(payload).inline ?? []) out.push({ run, batch: b.staged });
    }
  }
  return out;
}

/** Lists the staged batches and has the region's worker merge them again (or only check them with dryRun). */
export async function replayStaged(client: Client, config: TributaryConfig, opts: ReplayOptions): Promise<ReplayedBatch[]> {
  const p = knownPipeline(config, opts.pipeline);
  const regions = pipelineRegions(config, p);
  if (!regions.includes(opts.region)) throw new RangeError(`pipeline ${p.name} does not run in region "${opts.region}" (its regions: ${regions.join(', ')})`);
  const replayId = opts.replayId ?? new Date().toISOString();
  const batches = await stagedBatches(client, config, opts);
  return client.workflow.execute<typeof replayPipeline>('replayPipeline', {
    taskQueue: taskQueue(config, opts.region),
    workflowId: replayWorkflowId(config, p.name, opts.region, replayId),
    args: [{ pipeline: p.name, region: opts.region, replayId, batches, ...(opts.dryRun ? { dryRun: true } : {}) }, { heartbeatTimeoutSeconds: config.temporal.heartbeatTimeoutSeconds }],
    typedSearchAttributes: pipelineAttributes(p.name, opts.region),
  });
}
