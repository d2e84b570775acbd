// `tributary replay PIPELINE --region R [--since T] [--until T] [--dry-run]`: merges again the
// batches that past runs staged, straight from the stage, without reading the source again
// (e.g. after a bad fix in the warehouse). The batches come from the runs' Temporal history (the
// extractToStage results: file references and columns); the files must still be in the stage
// (stage.retentionDays). Each replayed batch gets a new batch id, so the ledger does not take it
// for a retry; the usual merge rules still hold: facts never replace a newer row (version guard),
// checkpoints never move back. A dimension snapshot replayed is a whole-table snapshot again:
// keys it lacks are deleted, so replay an old dimension batch only to roll back to it.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { connectClient } from '../../client/run-pipeline.js';
import { findPipeline, pipelineRegions } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { createDeps, type ActivityDeps } from '../../activities/deps.js';
import type { MergeResult, StagedBatch } from '../../activities/types.js';
import { createWarehouse } from '../../activities/warehouse/index.js';
import { kindOf } from '../../activities/kinds/registry.js';
import { PIPELINE_KEY, REGION_KEY } from '../../names/search-attributes.js';
import { replayBatchId } from '../../names/stage-keys.js';
import { isSyncRunOf, taskQueue } from '../../names/temporal-ids.js';

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

export interface ReplayedBatch {
  run: string;
  batchId: string;
  files: number;
  rows: number;
  /** Files of the batch no longer in the stage (past retention): the batch is not merged. */
  missing: string[];
  result?: MergeResult;
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
    for (const e of history.events ?? []) {
      if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'extractToStage') extracts.add(String(e.eventId));
      const done = e.activityTaskCompletedEventAttributes;
      const payload = done?.result?.payloads?.[0];
      if (done && payload && extracts.has(String(done.scheduledEventId))) {
        out.push({ run: `${r.workflowId} (${r.runId})`, batch: defaultPayloadConverter.fromPayload<StagedBatch>(payload) });
      }
    }
  }
  return out;
}

/** Merges the staged batches again (or only lists them with dryRun). */
export async function replayStaged(client: Client, deps: ActivityDeps, opts: ReplayOptions): Promise<ReplayedBatch[]> {
  const p = findPipeline(deps.config, opts.pipeline);
  if (!pipelineRegions(deps.config, p).includes(opts.region)) throw new Error(`pipeline ${p.name} does not run in region "${opts.region}" (${pipelineRegions(deps.config, p).join(', ')})`);
  const replayId = opts.replayId ?? new Date().toISOString();
  const warehouse = createWarehouse(deps);
  const out: ReplayedBatch[] = [];
  for (const { run, batch } of await stagedBatches(client, deps.config, opts)) {
    const present = new Set(await deps.stage.list(batch.unit.stagePrefix));
    const missing = batch.files.map((f) => f.key).filter((k) => !present.has(k));
    const item: ReplayedBatch = { run, batchId: batch.unit.batchId, files: batch.files.length, rows: batch.rows, missing };
    out.push(item);
    if (opts.dryRun || missing.length > 0) continue;
    const unit = { ...batch.unit, batchId: replayBatchId(replayId, batch.unit.batchId) };
    // The kind's own merge: facts keep their version guard; offset kinds follow the ledger, so a batch it holds already is not loaded twice.
    item.result = await kindOf(p).merge({ deps, warehouse }, p, { ...batch, unit }, { heartbeat: () => undefined });
  }
  return out;
}

export async function replay(config: TributaryConfig, opts: ReplayOptions, json: boolean): Promise<number> {
  const client = await connectClient(config);
  try {
    const batches = await replayStaged(client, createDeps(config), opts);
    if (json) {
      console.log(JSON.stringify(batches, null, 2));
    } else {
      if (batches.length === 0) console.log(`no staged batches found for ${opts.pipeline} in ${opts.region} in that time range`);
      for (const b of batches) {
        const what = b.missing.length
          ? `NOT merged: ${b.missing.length} file(s) no longer in the stage`
          : b.result
            ? `merged: ${b.result.inserted} inserted, ${b.result.updated} updated, ${b.result.unchanged} unchanged, ${b.result.deleted} deleted`
            : 'would be merged';
        console.log(`${b.batchId}  ${b.rows} rows in ${b.files} file(s)  ${what}`);
      }
    }
    return batches.some((b) => b.missing.length > 0) ? 1 : 0;
  } finally {
    await client.connection.close();
  }
}
