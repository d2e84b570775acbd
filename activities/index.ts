// The activities a worker registers. Workflows import only their types
// (proxyActivities<Activities>); everything here may do I/O.
import { Context, log } from '@temporalio/activity';
import { findPipeline, targetTable } from '../config/resolve.js';
import type { PipelineConfig, TributaryConfig } from '../config/schema.js';
import { createDeps, type ActivityDeps } from './deps.js';
import { extractUnit } from './postgres/extract.js';
import { planDimension } from './postgres/dimension-plan.js';
import { planFact } from './postgres/fact-plan.js';
import type { MergeResult, Plan, StagedBatch, SyncInput, WorkUnit } from './types.js';
import { createWarehouse } from './warehouse/index.js';
import type { MergeSpec } from './warehouse/postgres/merge-sql.js';
import { badInput } from './errors.js';

export type * from './types.js';

/** Heartbeats at most this often while streaming, so a dead worker is noticed quickly but history stays small. */
const HEARTBEAT_EVERY_MS = 2_000;

/** Heartbeats on a timer while one long statement runs (a merge cannot report progress itself). */
async function whileHeartbeating<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

function mergeSpec(config: TributaryConfig, p: PipelineConfig, batch: StagedBatch): MergeSpec {
  const [schema, table] = targetTable(config, p);
  if (p.kind === 'fact') return { schema, table, columns: batch.columns, stagedColumns: batch.stagedColumns, key: p.key, mode: { kind: 'upsert', version: p.watermark } };
  if (p.kind === 'dimension') {
    const partial = batch.unit.kind === 'dimension' && batch.unit.window !== null;
    return { schema, table, columns: batch.columns, stagedColumns: batch.stagedColumns, key: p.key, mode: { kind: 'snapshot', deletes: p.options.deletes, partial } };
  }
  throw badInput(`pipeline ${p.name}: kind "${p.kind}" cannot run yet; fact and dimension pipelines are built`);
}

export function createActivities(configOrDeps: TributaryConfig | ActivityDeps) {
  const deps: ActivityDeps = 'config' in configOrDeps && 'stage' in configOrDeps ? configOrDeps : createDeps(configOrDeps);
  const warehouse = createWarehouse(deps);

  return {
    /** Reads checkpoints and the sources' safe high marks; returns a small plan, never rows. */
    async planRange(input: SyncInput & { runId: string }): Promise<Plan> {
      const p = findPipeline(deps.config, input.pipeline);
      let units: WorkUnit[];
      if (p.kind === 'fact') units = await planFact(deps, warehouse, p, input.region, input.runId);
      else if (p.kind === 'dimension') units = await planDimension(deps, warehouse, p, input.region, input.runId, input.fullPass);
      else throw new Error(`pipeline ${p.name}: kind "${p.kind}" cannot run yet; fact and dimension pipelines are built`);
      const maxParallel = p.kind === 'fact' ? p.options.maxParallel : 4;
      return { pipeline: p.name, region: input.region, maxParallel, units };
    },

    /** Streams one unit from its source into the stage; returns file references and counts. */
    async extractToStage(unit: WorkUnit): Promise<StagedBatch> {
      const ctx = Context.current();
      let last = 0;
      const batch = await extractUnit(
        deps,
        unit,
        (bytes) => {
          const now = Date.now();
          if (now - last >= HEARTBEAT_EVERY_MS) {
            last = now;
            ctx.heartbeat({ bytes });
          }
        },
        ctx.cancellationSignal,
      );
      log.info('staged', { pipeline: unit.pipeline, region: unit.region, source: unit.source, batchId: unit.batchId, rows: batch.rows });
      return batch;
    },

    /** Applies one staged batch, its ledger row and its checkpoint in one warehouse transaction. */
    async mergeStaged(batch: StagedBatch): Promise<MergeResult> {
      const p = findPipeline(deps.config, batch.unit.pipeline);
      const spec = mergeSpec(deps.config, p, batch);
      const policy = p.kind === 'fact' || p.kind === 'dimension' ? p.options.onNewColumn : 'add';
      const result = await whileHeartbeating(() => warehouse.merge(batch, spec, policy));
      log.info('merged', { pipeline: p.name, region: batch.unit.region, source: batch.unit.source, ...result });
      return result;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
