// A dimension backfill re-syncs the whole table: one chunk per source server, which also finds
// the rows deleted at the source.
import { sourceTable } from '../../../config/resolve.js';
import type { DimensionPipelineConfig } from '../../../config/schema.js';
import { badInput } from '../../errors.js';
import { endpointsOf } from '../../reconcile/tables.js';
import type { BackfillInput, BackfillPlan, DimensionUnit } from '../../types.js';
import type { KindContext } from '../kind.js';

export async function planDimensionBackfill({ deps }: KindContext, p: DimensionPipelineConfig, input: BackfillInput): Promise<BackfillPlan> {
  if (input.adoptZone) throw badInput(`pipeline ${p.name} is a dimension: a full pass adopts a new zone of its change column by itself (tributary run ${p.name} --region ${input.region} --full-pass)`);
  if (input.from !== null || input.to !== null) throw badInput(`pipeline ${p.name} is a dimension: its backfill re-syncs the whole table, so it takes no --from/--to`);
  const [schema, table] = sourceTable(p.table);
  const stream = `${schema}.${table}`;
  const sources = endpointsOf(deps, p, input.region, input.source).map((e) => {
    const unit: DimensionUnit = { kind: 'dimension', pipeline: p.name, region: input.region, source: e.id, stream, batchId: '', stagePrefix: '', checkpoint: null, window: null };
    return { source: e.id, stream, unit, bounds: [] };
  });
  return Promise.resolve({ pipeline: p.name, region: input.region, from: null, to: null, maxParallel: input.maxParallel ?? 4, sources, chunksTotal: sources.length });
}
