// Fact pipelines: append-mostly tables read by watermark ranges below a safe upper bound, cut
// into keyset chunks, upserted by key with the watermark as version.
import { deleteExtra, extractRepair } from '../../reconcile/repair.js';
import { verifyPullPipeline } from '../../reconcile/verify.js';
import type { FactPipelineConfig } from '../../../config/schema.js';
import { extractUnit, type PullRead } from '../../sources/postgres/extract.js';
import type { PullSpan } from '../../specs/merge-specs.js';
import type { FactUnit } from '../../types.js';
import type { PipelineKind } from '../kind.js';
import { mergePull } from '../pull/merge.js';
import { planFactBackfill } from './backfill.js';
import { planFact } from './plan.js';

// The kind's unit, registered under its name (activities/types.ts UnitsByKind).
declare module '../../types.js' {
  interface UnitsByKind {
    fact: FactUnit;
  }
}

/** A fact unit reads a keyset chunk of its watermark range. */
export const factRead = (p: FactPipelineConfig, u: FactUnit): PullRead => ({ by: 'range', watermark: p.watermark, from: u.from, to: u.to, after: u.after, until: u.until });

/** A range from no checkpoint on is the source's first load; chunks merge side by side. */
export const factSpan = (u: FactUnit): PullSpan => ({ from: u.from, to: u.to, whole: u.from === null, outOfOrder: true });

export const fact: PipelineKind<'fact'> = {
  plan: ({ deps, warehouse }, p, req) => planFact(deps, warehouse, p, req.region, req.runId, req.onSourceError, req.warnings),
  // Chunks hold disjoint keys: two merge at once where the dialect checkpoints the merged prefix.
  parallelism: ({ warehouse }, p) => ({ extract: p.options.maxParallel, merge: warehouse.capabilities.parallelMerges ? 2 : 1 }),
  full: () => false,
  progress: 'bytes',
  extract: ({ deps, warehouse }, p, unit, progress, signal) => extractUnit(deps, p, unit, factRead(p, unit), warehouse.capabilities, progress, signal),
  merge: (ctx, p, batch, activity) => mergePull(ctx, p, batch, { mode: { kind: 'upsert', version: p.watermark }, span: factSpan(batch.unit), rewritesPast: fact.rewritesPast(batch.unit) }, activity),
  range: (u) => ({ source: u.source, from: u.from, to: u.to }),
  // A fact batch without a checkpoint to move is a backfill or a repair.
  rewritesPast: (u) => u.checkpoint === null,
  status: (p) => ({ reads: 'tables', table: p.table, checkpointed: true, lagColumn: p.watermark }),
  backfill: planFactBackfill,
  backfillBy: (p) => p.watermark,
  verify: ({ deps, warehouse }, p, input) => verifyPullPipeline(deps, warehouse, p, input),
  // Delete first: the merge of the staged rows then holds the whole repair's outcome for those buckets.
  async repair({ deps, warehouse }, _p, req, progress, signal) {
    const { deleted } = await deleteExtra(deps, warehouse, req);
    return { deleted, batch: await extractRepair(deps, warehouse, req, progress, signal) };
  },
};
