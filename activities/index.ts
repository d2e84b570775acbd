// The activities a worker registers. Workflows import only their types
// (proxyActivities<Activities>); everything here may do I/O.
import { Context, log } from '@temporalio/activity';
import { findPipeline } from '../config/resolve.js';
import type { TributaryConfig } from '../config/schema.js';
import { createDeps, type ActivityDeps } from './deps.js';
import { extractUnit } from './postgres/extract.js';
import { planDimension } from './postgres/dimension-plan.js';
import { planFact } from './postgres/fact-plan.js';
import { extractTopicUnit } from './kafka/extract-topic.js';
import { mergeTopic } from './kafka/merge-topic.js';
import { planTopic } from './kafka/topic-plan.js';
import { planCdc } from './cdc/cdc-plan.js';
import { extractCdcUnit } from './cdc/cdc-extract.js';
import { applyCdc, movedLsnsFor } from './cdc/apply-cdc.js';
import type { MergeResult, Plan, SourceFailure, StagedBatch, SyncInput, WorkUnit } from './types.js';
import { createWarehouse } from './warehouse/index.js';
import { mergeSpec, newColumnPolicy } from './merge-spec.js';
import { HEARTBEAT_EVERY_MS, whileHeartbeating } from './heartbeat.js';
import { sourceFailure } from './errors.js';
import { reportMerge } from './metrics/report.js';
import { createReconcileActivities } from './reconcile/index.js';

export type * from './types.js';

export function createActivities(configOrDeps: TributaryConfig | ActivityDeps) {
  const deps: ActivityDeps = 'config' in configOrDeps && 'stage' in configOrDeps ? configOrDeps : createDeps(configOrDeps);
  const warehouse = createWarehouse(deps);

  /** Reads checkpoints and the sources' safe high marks (or end offsets); a small plan, never rows. */
  async function plan(input: SyncInput & { runId: string }): Promise<Plan> {
    const p = findPipeline(deps.config, input.pipeline);
    let units: WorkUnit[];
    const failures: SourceFailure[] = [];
    const onSourceError = (source: string, err: unknown) => {
      failures.push(sourceFailure(p.name, source, err));
      log.warn('source not planned', { pipeline: p.name, region: input.region, source, error: failures.at(-1)!.message });
    };
    const warnings: string[] = [];
    if (p.kind === 'fact') units = await planFact(deps, warehouse, p, input.region, input.runId, onSourceError, warnings);
    else if (p.kind === 'dimension') units = await planDimension(deps, warehouse, p, input.region, input.runId, input.fullPass, onSourceError, warnings);
    else if (p.kind === 'topic') units = await planTopic(deps, warehouse, p, input.region, input.runId, onSourceError);
    else units = await planCdc(deps, warehouse, p, input.region, input.runId, onSourceError);
    // CDC: one extract per cluster at a time (an extract holds its decoded batch in memory); the
    // next starts as soon as one ends, so it runs while that batch merges.
    const maxParallel = p.kind === 'fact' || p.kind === 'topic' ? p.options.maxParallel : p.kind === 'cdc' ? Math.max(1, new Set(units.map((u) => u.source)).size) : 4;
    // Fact chunks hold disjoint keys and the PostgreSQL warehouse checkpoints their merged prefix,
    // so two merge at once (a COPY keeps one warehouse core busy); everything else merges in order.
    const mergeParallel = p.kind === 'fact' && deps.config.warehouse.type === 'postgres' ? 2 : 1;
    for (const w of warnings) log.warn('plan warning', { pipeline: p.name, region: input.region, warning: w });
    return { pipeline: p.name, region: input.region, maxParallel, mergeParallel, units, ...(failures.length ? { failures } : {}), ...(warnings.length ? { warnings } : {}) };
  }

  return {
    ...createReconcileActivities(deps, warehouse),
    /** The plan of one run; heartbeats, so a killed worker's plan is retried within the heartbeat timeout. */
    async planRange(input: SyncInput & { runId: string }): Promise<Plan> {
      // Cutting a large first load into chunks reads the whole range once: heartbeat meanwhile.
      return whileHeartbeating(() => plan(input));
    },

    /** Streams one unit from its source into the stage; returns file references and counts. */
    async extractToStage(unit: WorkUnit): Promise<StagedBatch> {
      const ctx = Context.current();
      let last = 0;
      // Progress is bytes read (PostgreSQL) or messages consumed (Kafka).
      const progress = (n: number) => {
        const now = Date.now();
        if (now - last >= HEARTBEAT_EVERY_MS) {
          last = now;
          ctx.heartbeat(unit.kind === 'topic' || unit.kind === 'cdc' ? { messages: n } : { bytes: n });
        }
      };
      const batch =
        unit.kind === 'topic'
          ? await extractTopicUnit(deps, unit, progress, ctx.cancellationSignal)
          : unit.kind === 'cdc'
            ? await extractCdcUnit(deps, unit, movedLsnsFor(deps, warehouse, unit), progress, ctx.cancellationSignal)
            : await extractUnit(deps, unit, progress, ctx.cancellationSignal);
      log.info('staged', { pipeline: unit.pipeline, region: unit.region, source: unit.source, batchId: unit.batchId, rows: batch.rows });
      return batch;
    },

    /** Applies one staged batch, its ledger row and its checkpoint in one warehouse transaction. */
    async mergeStaged(batch: StagedBatch): Promise<MergeResult> {
      const p = findPipeline(deps.config, batch.unit.pipeline);
      if (batch.unit.kind === 'cdc') {
        const applied = await whileHeartbeating(() => applyCdc(deps, warehouse, batch));
        log.info('merged', { pipeline: p.name, region: batch.unit.region, source: batch.unit.source, ...applied });
        return applied;
      }
      if (batch.unit.kind === 'topic') {
        const merged = await whileHeartbeating(() => mergeTopic(deps, warehouse, batch));
        log.info('merged', { pipeline: p.name, region: batch.unit.region, source: batch.unit.source, ...merged });
        reportMerge(deps.metrics, batch, merged);
        return merged;
      }
      const spec = mergeSpec(deps.config, p, batch);
      const policy = newColumnPolicy(p);
      const result = await whileHeartbeating((activity) => warehouse.merge(batch, spec, policy, activity));
      log.info('merged', { pipeline: p.name, region: batch.unit.region, source: batch.unit.source, ...result });
      reportMerge(deps.metrics, batch, result);
      return result;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
