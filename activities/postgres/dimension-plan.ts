// Plans one run of a dimension pipeline in one region: one unit per source server, each a whole
// table read. No checkpoint: the warehouse's row hashes say what changed.
import type { DimensionPipelineConfig } from '../../config/schema.js';
import { postgresEndpoints, sourceTable } from '../../config/resolve.js';
import type { DimensionUnit } from '../types.js';
import type { ActivityDeps } from '../deps.js';

export function planDimension(deps: ActivityDeps, p: DimensionPipelineConfig, region: string, runId: string): DimensionUnit[] {
  const [schema, table] = sourceTable(p.table);
  return postgresEndpoints(deps.config, p.source, region).map((endpoint, i) => ({
    kind: 'dimension',
    pipeline: p.name,
    region,
    source: endpoint.id,
    stream: `${schema}.${table}`,
    checkpoint: null,
    batchId: `${runId}:${i}`,
    stagePrefix: `${p.name}/${region}/${runId}/${i}`,
  }));
}
