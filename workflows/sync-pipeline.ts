// syncPipeline(pipeline, region): plan -> extract (parallel, bounded) -> merge -> result.
// Only references and counts pass through here; the rows go source -> stage -> warehouse.
// Each source server (or Kafka cluster) of the region is a chain of its own: one that fails
// stops only itself, the others merge and checkpoint, and the run then fails naming it.
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { fairActivities } from './fair-activities.js';
import { sourceFairnessKey } from '../names/task-priority.js';
import type { Activities, MergeResult, StagedBatch, SyncInput, SyncResult, WorkUnit } from '../activities/index.js';
import { createLimiter } from './bounded.js';
import { bySource } from '../common/by-source.js';
import { reportedRun } from './run-report.js';
import { rootMessage } from '../common/root-message.js';

export interface SyncOptions {
  /** How long an extract or merge may go without a heartbeat before it is retried elsewhere. */
  heartbeatTimeoutSeconds?: number;
  /** Attempts of one extract or merge before its source is given up for this run (the next run starts over). */
  maxAttempts?: number;
}

interface SourceOutcome {
  source: string;
  merged: MergeResult[];
  error?: unknown;
}

export async function syncPipeline(input: SyncInput, options: SyncOptions = {}): Promise<SyncResult> {
  // How the run ended (outcome, duration, rows) goes to the worker's metrics.
  return reportedRun(input, () => syncRun(input, options));
}

async function syncRun(input: SyncInput, options: SyncOptions): Promise<SyncResult> {
  const started = Date.now(); // workflow time: deterministic on replay
  const heartbeatTimeout = `${options.heartbeatTimeoutSeconds ?? 30}s`;
  // The plan reads every server of the region: it is fair among pipelines.
  const { planRange } = proxyActivities<Activities>({
    startToCloseTimeout: '1 hour',
    heartbeatTimeout,
    retry: { maximumInterval: '1 minute', maximumAttempts: options.maxAttempts ?? 20 },
    priority: { fairnessKey: sourceFairnessKey(input.pipeline) },
  });
  const onSource = fairActivities({
    startToCloseTimeout: '6 hours',
    heartbeatTimeout,
    retry: { initialInterval: '1s', maximumInterval: '1 minute', maximumAttempts: options.maxAttempts ?? 20 },
  });
  const extractToStage = (unit: WorkUnit) => onSource(unit.source).extractToStage(unit);
  const mergeStaged = (batch: StagedBatch) => onSource(batch.unit.source).mergeStaged(batch);

  const plan = await planRange({ ...input, runId: workflowInfo().runId });
  const extract = createLimiter(plan.maxParallel);

  // Within a source, extracts run in parallel (bounded across all sources) and merges go in plan
  // order, one at a time unless the plan allows more (fact chunks: the warehouse then moves the
  // checkpoint only over the merged prefix), so a stopped run resumes after the last merged chunk.
  async function chain(source: string, units: WorkUnit[]): Promise<SourceOutcome> {
    let failed = false;
    // A batch that ends its source's run (StagedBatch.endsRun) does so after its merge; not a failure.
    let ended = false;
    const staged = units.map((unit) =>
      extract(() => (failed ? Promise.reject(new Error('source already failed')) : ended ? Promise.resolve(undefined) : extractToStage(unit))),
    );
    // A later extract may fail while an earlier merge is awaited: it is handled when its turn comes.
    for (const p of staged) p.catch(() => undefined);
    const merge = createLimiter(plan.mergeParallel ?? 1);
    const merged: MergeResult[] = [];
    let error: unknown;
    await Promise.all(
      staged.map((pending) =>
        merge(async () => {
          if (failed || ended) return;
          try {
            const batch = await pending;
            if (!batch) return;
            merged.push(await mergeStaged(batch));
            if (batch.endsRun) ended = true;
          } catch (err) {
            if (!failed) error = err;
            failed = true;
          }
        }),
      ),
    );
    return failed ? { source, merged, error } : { source, merged };
  }

  const outcomes = await Promise.all([...bySource(plan.units)].map(([source, units]) => chain(source, units)));
  for (const f of plan.failures ?? []) {
    outcomes.push({ source: f.source, merged: [], error: ApplicationFailure.create({ message: f.message, type: f.badInput ? 'BadInput' : 'SourceFailed', nonRetryable: true }) });
  }

  // Small units were merged by the plan's activity itself.
  const merged = [...(plan.inline ?? []).map((b) => b.merged), ...outcomes.flatMap((o) => o.merged)];
  const sum = (f: (m: MergeResult) => number) => merged.reduce((a, m) => a + f(m), 0);
  const result: SyncResult = {
    pipeline: input.pipeline,
    region: input.region,
    units: plan.units.length + (plan.inline?.length ?? 0),
    rowsRead: sum((m) => m.rowsRead),
    rowsStaged: sum((m) => m.rowsStaged),
    inserted: sum((m) => m.inserted),
    updated: sum((m) => m.updated),
    unchanged: sum((m) => m.unchanged),
    deleted: sum((m) => m.deleted),
    deduplicated: sum((m) => m.deduplicated),
    deadLettered: sum((m) => m.deadLettered),
    ranges: plan.ranges,
    durationMs: Date.now() - started,
    ...(plan.warnings?.length ? { warnings: plan.warnings } : {}),
  };
  const failures = outcomes.filter((o) => o.error !== undefined);
  // Sources whose small reads the plan merged itself count among those that completed.
  const sources = new Set([...outcomes.map((o) => o.source), ...(plan.inline ?? []).map((b) => b.staged.unit.source)]);
  // One source only: its own failure is the run's, type and all.
  if (failures.length === 1 && sources.size === 1) throw failures[0]!.error;
  if (failures.length > 0) {
    const ok = sources.size - failures.length;
    const what = failures.map((f) => `source ${f.source}: ${rootMessage(f.error)}`).join('; ');
    throw ApplicationFailure.create({
      type: 'SourceFailed',
      nonRetryable: true,
      message: `pipeline ${input.pipeline}, region ${input.region}: ${failures.length} of ${sources.size} source(s) failed (${ok} completed and merged): ${what}`,
      details: [result],
    });
  }
  return result;
}

