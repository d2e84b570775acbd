// CDC pipelines: Debezium change events of one table through every cell cluster of a region,
// collapsed per key and applied in LSN order, with snapshot epochs that heal re-snapshots.
import type { CdcUnit } from '../../types.js';
import type { PipelineKind } from '../kind.js';
import { applyCdc } from './apply.js';
import { extractCdc } from './extract.js';
import { cutShort } from './cut-short.js';
import { planCdc } from './plan.js';
import { verifyCdc } from './verify.js';
import { repairCdc } from './repair.js';
import { resnapshotGapDeletes, resnapshotProgress, signalResnapshot } from './resnapshot.js';
import { checkBuckets } from '../../reconcile/bucket-sql.js';

// The kind's unit, registered under its name (activities/types.ts UnitsByKind).
declare module '../../types.js' {
  interface UnitsByKind {
    cdc: CdcUnit;
  }
}

export const cdc: PipelineKind<'cdc'> = {
  plan: planCdc,
  // One extract per cluster at a time (an extract holds its decoded batch in memory); the next
  // starts as soon as one ends, so it runs while that batch merges. A cluster's batches apply in order.
  parallelism: (_ctx, _p, units) => ({ extract: Math.max(1, new Set(units.map((u) => u.source)).size), merge: 1 }),
  full: (p, u) => u.ranges.some((r) => r.to - r.from >= p.options.maxMessagesPerPartition),
  progress: 'messages',
  async extract({ deps, warehouse }, p, unit, progress, signal) {
    const batch = await extractCdc(deps, warehouse, p, unit, progress, signal);
    return cutShort(unit, batch) ? { ...batch, endsRun: true } : batch;
  },
  merge: ({ deps, warehouse }, p, batch) => applyCdc(deps, warehouse, p, batch),
  range: (u) => ({ source: u.source, from: null, to: null }),
  rewritesPast: () => false,
  // Debezium creates the topic with its first event: none yet is nothing to load.
  status: (p) => ({ reads: 'topic', topic: p.topic, missingIsEmpty: true }),
  continuous: true,
  verifyBlocker: (p) => (p.options.capturedFrom ? undefined : `pipeline ${p.name}: verify compares a cdc target with the table its connector captures; set options.capturedFrom: { source, table }`),
  verify: ({ deps, warehouse }, p, input) => verifyCdc(deps, warehouse, p, input, checkBuckets(input.buckets)),
  // A resnapshot of exactly the drifted keys (Debezium's incremental snapshot); extra keys are deleted at once.
  repair: ({ deps }, p, req) => repairCdc(deps, p, req),
  resnapshot: {
    signal: ({ deps }, p, input) => signalResnapshot(deps, p, input),
    progress: ({ deps, warehouse }, p, s, target) => resnapshotProgress(deps, warehouse, p, s, target),
    gapDeletes: ({ deps }, p, s, upTo) => resnapshotGapDeletes(deps, p, s, upTo),
  },
};
