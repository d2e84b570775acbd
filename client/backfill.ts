// Starting and following backfills from code: what `tributary backfill` and users' scripts call.
import { kindOf } from '../activities/kinds/registry.js';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { findPipeline, pipelineRegions } from '../config/resolve.js';
import type { PipelineConfig, TributaryConfig } from '../config/schema.js';
import type { BackfillInput, BackfillProgress, BackfillResult } from '../activities/types.js';
import { backfillProgressQuery, type backfillPipeline, type BackfillOptions } from '../workflows/backfill.js';
import { pipelineAttributes, SOURCE_KEY } from '../names/search-attributes.js';
import { backfillWorkflowId, taskQueue } from '../names/temporal-ids.js';
import { BACKFILL_PRIORITY_KEY } from '../names/task-priority.js';
import { ensureSearchAttributes } from './search-attributes.js';

export interface BackfillRequest {
  pipeline: string;
  region: string;
  /** One source server, e.g. "app/us"; every server of the region when absent. */
  source?: string;
  /** Facts: the past range [from, to) of the watermark. Dimensions: leave both out (a full re-sync). */
  from?: string | Date;
  to?: string | Date;
  chunkRows?: number;
  maxParallel?: number;
  /** A naive watermark now read in another zone (docs/watermarks.md): re-read [from, to) and start the new zone's checkpoint at from. */
  adoptZone?: boolean;
}

const WATERMARK_TEXT = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A date or timestamp as the watermark text the ledger uses (UTC, microseconds):
 * "2026-11-01" -> "2026-11-01T00:00:00.000000Z". A time without a zone is UTC.
 */
export function toWatermark(value: string | Date): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError('expected a valid date');
    return `${value.toISOString().slice(0, 23)}000Z`;
  }
  const m = WATERMARK_TEXT.exec(value.trim());
  if (!m) throw new RangeError(`expected a date or timestamp like 2026-11-01 or 2026-11-01T08:30:00Z, got "${value}"`);
  const [, day, hh = '00', mi = '00', ss = '00', frac = '', zone = 'Z'] = m;
  const ms = Date.parse(`${day}T${hh}:${mi}:${ss}${zone}`);
  if (Number.isNaN(ms)) throw new RangeError(`expected a real date and time, got "${value}"`);
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac.padEnd(6, '0')}Z`;
}

/** The backfill's input, checked against the config (pipeline, region, source, range). */
export function backfillInput(config: TributaryConfig, req: BackfillRequest): BackfillInput {
  const p = knownPipeline(config, req.pipeline);
  const kind = kindOf(p);
  if (!kind.backfill || !kind.backfillBy) throw new RangeError(`pipeline ${p.name} is a ${p.kind} pipeline; backfills re-sync fact and dimension pipelines`);
  const regions = pipelineRegions(config, p);
  if (!regions.includes(req.region)) throw new RangeError(`pipeline ${p.name} does not run in region "${req.region}" (its regions: ${regions.join(', ')})`);
  const from = req.from === undefined ? null : toWatermark(req.from);
  const to = req.to === undefined ? null : toWatermark(req.to);
  const by = kind.backfillBy(p);
  if (by === null && (from !== null || to !== null)) throw new RangeError(`pipeline ${p.name} is a ${p.kind}: its backfill re-syncs the whole table, so leave out --from and --to`);
  if (by !== null) {
    if (from === null || to === null) throw new RangeError(`pipeline ${p.name} is a ${p.kind} pipeline: give the past range to re-sync with --from and --to (values of ${by})`);
    if (!(from < to)) throw new RangeError(`the range is empty: --from ${from} is not before --to ${to}`);
  }
  return { pipeline: p.name, region: req.region, source: req.source, from, to, chunkRows: req.chunkRows, maxParallel: req.maxParallel, ...(req.adoptZone ? { adoptZone: true } : {}) };
}

/** The pipeline, or a RangeError (bad usage) naming the declared ones. */
export function knownPipeline(config: TributaryConfig, name: string): PipelineConfig {
  try {
    return findPipeline(config, name);
  } catch (err) {
    throw new RangeError((err as Error).message, { cause: err });
  }
}

export type BackfillHandle = WorkflowHandleWithFirstExecutionRunId<typeof backfillPipeline>;

/**
 * Starts backfillPipeline on the region's task queue, or returns the one already running for the
 * same range. Registers the search attributes it reports progress with, if the namespace lacks them.
 */
export async function startBackfill(client: Client, config: TributaryConfig, req: BackfillRequest, options: Omit<BackfillOptions, 'heartbeatTimeoutSeconds'> = {}): Promise<BackfillHandle> {
  const input = backfillInput(config, req);
  await ensureSearchAttributes(client, config.temporal.namespace);
  return client.workflow.start<typeof backfillPipeline>('backfillPipeline', {
    taskQueue: taskQueue(config, input.region),
    workflowId: backfillWorkflowId(config, input),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    args: [input, { ...options, heartbeatTimeoutSeconds: config.temporal.heartbeatTimeoutSeconds }],
    // Behind every regular run's tasks on the region's queue.
    priority: { priorityKey: BACKFILL_PRIORITY_KEY },
    typedSearchAttributes: [...pipelineAttributes(input.pipeline, input.region), ...(input.source ? [{ key: SOURCE_KEY, value: input.source }] : [])],
  });
}

/** Starts (or attaches to) a backfill and waits for its result. */
export async function runBackfill(client: Client, config: TributaryConfig, req: BackfillRequest): Promise<BackfillResult> {
  return (await startBackfill(client, config, req)).result();
}

/** The backfill's progress, or undefined while no worker answers (none is up, or it is planning). */
export async function backfillProgress(client: Client, handle: WorkflowHandle, timeoutMs = 5_000): Promise<BackfillProgress | undefined> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, () => handle.query(backfillProgressQuery));
  } catch {
    return undefined;
  }
}
