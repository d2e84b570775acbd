// Starting, stopping and inspecting the continuous CDC workflow (cdcContinuous) from code: what
// `tributary cdc start|stop|status` and users' scripts call. One workflow per pipeline and region.
//
// A one-off run (schedule, `tributary run`) of the same pipeline and region would plan the same
// offsets; the offsets ledger makes it apply nothing twice, but it would read and stage the same
// events again. So while the continuous workflow runs: `start` pauses the pair's schedule (with
// a note naming the workflow; `stop` resumes it, and only a pause made by `start`), and
// startPipeline refuses a one-off run with ContinuousRunningError.
import {
  ScheduleNotFoundError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { pipelineRegions } from '../config/resolve.js';
import type { CdcPipelineConfig, TributaryConfig } from '../config/schema.js';
import { continuousPauseNote, isContinuousPauseNote } from '../names/schedule-marks.js';
import { pipelineAttributes } from '../names/search-attributes.js';
import { cdcWorkflowId, scheduleId, taskQueue } from '../names/temporal-ids.js';
import { cdcFreshnessQuery, cdcStopSignal, type CdcContinuousState, type CdcFreshness, type cdcContinuous } from '../workflows/cdc-continuous.js';
import { ensureSearchAttributes } from './search-attributes.js';

export { ContinuousRunningError } from './cdc-guard.js';


export interface CdcStartResult {
  pipeline: string;
  region: string;
  workflowId: string;
  runId: string;
  /** False when it was already running (nothing new was started). */
  started: boolean;
  /** The schedule paused now; null when there is none, or it was paused already. */
  schedulePaused: string | null;
}

export interface CdcStopResult {
  pipeline: string;
  region: string;
  workflowId: string;
  /** False when no continuous workflow was running. */
  wasRunning: boolean;
  /** Its final state (after the poll in progress ended), when it ran and `wait` was set. */
  state: CdcContinuousState | null;
  /** The schedule resumed now (it had been paused by `start`); null otherwise. */
  scheduleResumed: string | null;
}

export type CdcWorkflowState = 'running' | 'stopped' | 'failed' | 'not started';

export interface CdcStatus {
  pipeline: string;
  region: string;
  workflowId: string;
  state: CdcWorkflowState;
  /** Temporal's status of the latest run (RUNNING, COMPLETED, FAILED, TERMINATED, ...); null when never started. */
  temporalStatus: string | null;
  startedAt: string | null;
  closedAt: string | null;
  /** From the freshness query while it runs (null when no worker answered in time), else its final state. */
  freshness: CdcFreshness | null;
  /** Seconds since its last poll, while running. */
  lastPollAgeSeconds: number | null;
}

/** The CDC pipeline and its region, or a RangeError (bad usage) saying what is wrong. */
export function cdcPipeline(config: TributaryConfig, pipeline: string, region: string): CdcPipelineConfig {
  const p = config.pipelines.find((x) => x.name === pipeline);
  if (!p) throw new RangeError(`pipeline "${pipeline}" is not in the config (declared: ${config.pipelines.map((x) => x.name).join(', ') || 'none'})`);
  if (p.kind !== 'cdc') throw new RangeError(`pipeline "${pipeline}" is a ${p.kind} pipeline; only cdc pipelines run continuously`);
  const regions = pipelineRegions(config, p);
  if (!regions.includes(region)) throw new RangeError(`pipeline "${pipeline}" does not run in region "${region}" (its regions: ${regions.join(', ')})`);
  return p;
}

/** Every region of a CDC pipeline, or just the one given; each checked as cdcPipeline does. */
export function cdcRegions(config: TributaryConfig, pipeline: string, region?: string): string[] {
  const p = config.pipelines.find((x) => x.name === pipeline);
  const regions = region !== undefined || !p ? [region ?? ''] : pipelineRegions(config, p);
  for (const r of regions) cdcPipeline(config, pipeline, r);
  return regions;
}

/**
 * Starts cdcContinuous for the pipeline in the region (or finds it running), after pausing the
 * pair's schedule. Needs a worker on the region's task queue to make progress.
 */
export async function startCdcContinuous(client: Client, config: TributaryConfig, pipeline: string, region: string, opts: { pollsPerRun?: number } = {}): Promise<CdcStartResult> {
  const p = cdcPipeline(config, pipeline, region);
  const workflowId = cdcWorkflowId(config, pipeline, region);
  const schedulePaused = await pauseForContinuous(client, config, pipeline, region, workflowId);
  await ensureSearchAttributes(client, config.temporal.namespace);
  try {
    const handle = await client.workflow.start<typeof cdcContinuous>('cdcContinuous', {
      taskQueue: taskQueue(config, region),
      workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      args: [
        {
          pipeline,
          region,
          intervalSeconds: p.options.intervalSeconds,
          // A partition range at the batch cap means more is waiting: poll again at once.
          heartbeatTimeoutSeconds: config.temporal.heartbeatTimeoutSeconds,
          ...(opts.pollsPerRun ? { pollsPerRun: opts.pollsPerRun } : {}),
        },
      ],
      typedSearchAttributes: pipelineAttributes(pipeline, region),
    });
    return { pipeline, region, workflowId, runId: handle.firstExecutionRunId, started: true, schedulePaused };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const d = await client.workflow.getHandle(workflowId).describe();
    return { pipeline, region, workflowId, runId: d.runId, started: false, schedulePaused };
  }
}

/**
 * Signals the continuous workflow to stop: it ends after the poll in progress (a batch being
 * applied commits first). With `wait` (the default) waits for that. Then resumes the schedule if
 * `start` paused it.
 */
export async function stopCdcContinuous(client: Client, config: TributaryConfig, pipeline: string, region: string, opts: { wait?: boolean } = {}): Promise<CdcStopResult> {
  cdcPipeline(config, pipeline, region);
  const workflowId = cdcWorkflowId(config, pipeline, region);
  const handle = client.workflow.getHandle<typeof cdcContinuous>(workflowId);
  let wasRunning = false;
  let state: CdcContinuousState | null = null;
  if ((await describe(handle))?.status.name === 'RUNNING') {
    wasRunning = true;
    await handle.signal(cdcStopSignal);
    // result() follows continue-as-new to the run that returns.
    if (opts.wait ?? true) state = await handle.result();
  }
  const scheduleResumed = await resumeAfterContinuous(client, config, pipeline, region);
  return { pipeline, region, workflowId, wasRunning, state, scheduleResumed };
}

/** Where the continuous workflow stands: running (with its freshness), stopped, failed or never started. */
export async function cdcContinuousStatus(client: Client, config: TributaryConfig, pipeline: string, region: string, opts: { now?: Date; queryTimeoutMs?: number } = {}): Promise<CdcStatus> {
  cdcPipeline(config, pipeline, region);
  const workflowId = cdcWorkflowId(config, pipeline, region);
  const handle = client.workflow.getHandle<typeof cdcContinuous>(workflowId);
  const d = await describe(handle);
  const base = { pipeline, region, workflowId, startedAt: d?.startTime.toISOString() ?? null, closedAt: d?.closeTime?.toISOString() ?? null };
  if (!d) return { ...base, state: 'not started', temporalStatus: null, freshness: null, lastPollAgeSeconds: null };
  const status = d.status.name;
  if (status === 'RUNNING') {
    const freshness = await queryFreshness(client, handle, opts.queryTimeoutMs ?? 5_000);
    const now = (opts.now ?? new Date()).getTime();
    const lastPollAgeSeconds = freshness?.polledAt == null ? null : Math.max(0, (now - freshness.polledAt) / 1000);
    return { ...base, state: 'running', temporalStatus: status, freshness, lastPollAgeSeconds };
  }
  if (status === 'COMPLETED') {
    const final = await handle.result();
    const freshnessSeconds = final.newestAppliedMs === null || final.polledAt === null ? null : Math.max(0, (final.polledAt - final.newestAppliedMs) / 1000);
    return { ...base, state: 'stopped', temporalStatus: status, freshness: { ...final, freshnessSeconds, lastError: null }, lastPollAgeSeconds: null };
  }
  return { ...base, state: 'failed', temporalStatus: status, freshness: null, lastPollAgeSeconds: null };
}

async function describe(handle: WorkflowHandle) {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** The freshness query, or null while no worker answers (none is up). */
async function queryFreshness(client: Client, handle: WorkflowHandle<typeof cdcContinuous>, timeoutMs: number): Promise<CdcFreshness | null> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, () => handle.query(cdcFreshnessQuery));
  } catch {
    return null;
  }
}

/** Pauses the pair's schedule unless it is missing or already paused; returns its id when paused now. */
async function pauseForContinuous(client: Client, config: TributaryConfig, pipeline: string, region: string, workflowId: string): Promise<string | null> {
  const id = scheduleId(config, pipeline, region);
  const h = client.schedule.getHandle(id);
  try {
    if ((await h.describe()).state.paused) return null;
    await h.pause(continuousPauseNote(workflowId));
    return id;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}

/** Resumes the pair's schedule if `start` paused it (its note); a pause by hand or in the config stays. */
async function resumeAfterContinuous(client: Client, config: TributaryConfig, pipeline: string, region: string): Promise<string | null> {
  const id = scheduleId(config, pipeline, region);
  const h = client.schedule.getHandle(id);
  try {
    const { state } = await h.describe();
    if (!state.paused || !isContinuousPauseNote(state.note)) return null;
    await h.unpause('resumed by tributary cdc stop');
    return id;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}
