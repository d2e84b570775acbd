// Verify one pipeline in one region: per source server, per-bucket counts and checksums computed
// in SQL on both sides; the buckets that differ are then compared key by key, so rows changed
// since the checkpoint (the next run's) are not reported as drift. Reports drift as a metric.
import type { PostgresEndpoint } from '../../config/resolve.js';
import { type ActivityDeps } from '../deps.js';
import { sourceTarget } from '../sources/postgres/target.js';
import { withPg } from '../pg/connect.js';
import type { SourceVerify, VerifyInput, VerifyReport } from '../types.js';
import type { WarehouseDialect } from '../warehouse/dialect.js';
import { checkBuckets } from './bucket-sql.js';
import { compareSides } from './compare-sides.js';
import { pgBucketReader } from './read.js';
import { endpointsOf, reconcileTables, type ReconcilablePipeline } from './tables.js';
import { withWarehouseSide } from './warehouse-side.js';

/** Verifies a fact or dimension pipeline; `repairable`: --repair re-syncs its drifted buckets. */
export async function verifyPullPipeline(deps: ActivityDeps, warehouse: WarehouseDialect, p: ReconcilablePipeline, input: VerifyInput): Promise<VerifyReport> {
  const buckets = checkBuckets(input.buckets);
  const sources: SourceVerify[] = [];
  for (const endpoint of endpointsOf(deps, p, input.region, input.source)) {
    const result = await verifySource(deps, warehouse, p, endpoint, buckets, input.only ?? null);
    deps.metrics.drift({ pipeline: p.name, region: input.region, cell: endpoint.cell, source: endpoint.id, kind: p.kind }, result.drifted.length);
    sources.push(result);
  }
  return {
    pipeline: p.name,
    region: input.region,
    kind: p.kind,
    repairable: true,
    buckets,
    sources,
    driftedBuckets: sources.reduce((n, s) => n + s.drifted.length, 0),
  };
}

async function verifySource(
  deps: ActivityDeps,
  warehouse: WarehouseDialect,
  p: ReconcilablePipeline,
  endpoint: PostgresEndpoint,
  buckets: number,
  only: number[] | null,
): Promise<SourceVerify> {
  return withPg(sourceTarget(endpoint), deps.secrets, (src) =>
    withWarehouseSide(deps, async (dst) => {
      const t = await reconcileTables(deps, warehouse, p, endpoint, src, dst);
      if (t.neverSynced) return { source: endpoint.id, cutoff: t.cutoff, sourceRows: 0, warehouseRows: 0, bucketsCompared: 0, drifted: [], pending: 0, note: 'never synced: nothing is due in the warehouse yet' };
      return compareSides(pgBucketReader(src), dst, endpoint.id, t, buckets, only);
    }),
  );
}
