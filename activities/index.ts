// The activities a worker registers. Workflows import only their types
// (proxyActivities<Activities>); everything here may do I/O.
import { Context, log } from '@temporalio/activity';
import { findPipeline, targetTable } from '../config/resolve.js';
import type { TributaryConfig } from '../config/schema.js';
import { createDeps, type ActivityDeps } from './deps.js';
import { extractFactRange } from './postgres/extract-range.js';
import { planFact } from './postgres/fact-plan.js';
import type { FactUnit, MergeResult, Plan, StagedBatch, SyncInput } from './types.js';
import { createWarehouse } from './warehouse/index.js';

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

export function createActivities(configOrDeps: TributaryConfig | ActivityDeps) {
  const deps: ActivityDeps = 'config' in configOrDeps && 'stage' in configOrDeps ? configOrDeps : createDeps(configOrDeps);
  const warehouse = createWarehouse(deps);

  return {
    /** Reads checkpoints and the sources' safe high marks; returns a small plan, never rows. */
    async planRange(input: SyncInput & { runId: string }): Promise<Plan> {
      const p = findPipeline(deps.config, input.pipeline);
      if (p.kind !== 'fact') throw new Error(`pipeline ${p.name}: kind "${p.kind}" cannot run yet; only fact pipelines are built`);
      const units = await planFact(deps, warehouse, p, input.region, input.runId);
      return { pipeline: p.name, region: input.region, maxParallel: p.options.maxParallel, units };
    },

    /** Streams one unit from its source into the stage; returns file references and counts. */
    async extractToStage(unit: FactUnit): Promise<StagedBatch> {
      const ctx = Context.current();
      let last = 0;
      const batch = await extractFactRange(
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
      log.info('staged', { pipeline: unit.pipeline, region: unit.region, source: unit.source, rows: batch.rows });
      return batch;
    },

    /** Applies one staged batch and its checkpoint in one warehouse transaction. */
    async mergeStaged(batch: StagedBatch): Promise<MergeResult> {
      const p = findPipeline(deps.config, batch.unit.pipeline);
      if (p.kind !== 'fact') throw new Error(`pipeline ${p.name}: only fact pipelines are built`);
      const [schema, table] = targetTable(deps.config, p);
      const result = await whileHeartbeating(() => warehouse.merge(batch, { schema, table, columns: batch.columns, key: p.key, version: p.watermark }));
      log.info('merged', { pipeline: p.name, region: batch.unit.region, source: batch.unit.source, ...result });
      return result;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
