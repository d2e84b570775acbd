// Plans one run of a fact pipeline in one region: per source server, the range from the
// committed checkpoint (minus the look-back) up to the safe upper bound.
import type { FactPipelineConfig } from '../../config/schema.js';
import { postgresEndpoints, sourceTable } from '../../config/resolve.js';
import { sourceTarget, type ActivityDeps } from '../deps.js';
import type { FactUnit } from '../types.js';
import type { WarehouseDialect } from '../warehouse/dialect.js';
import { tableColumns } from './columns.js';
import { withPg } from './connect.js';
import { minusSeconds, safeUpperBoundSql, watermarkType } from './watermark-sql.js';

export async function planFact(
  deps: ActivityDeps,
  warehouse: WarehouseDialect,
  p: FactPipelineConfig,
  region: string,
  runId: string,
): Promise<FactUnit[]> {
  const [schema, table] = sourceTable(p.table);
  const stream = `${schema}.${table}`;
  const units: FactUnit[] = [];
  for (const [i, endpoint] of postgresEndpoints(deps.config, p.source, region).entries()) {
    const label = `pipeline ${p.name}, source ${endpoint.id}`;
    const hi = await withPg(sourceTarget(endpoint), deps.secrets, async (client) => {
      const type = watermarkType(await tableColumns(client, schema, table, label), p.watermark, label);
      const res = await client.query<{ hi: string }>(safeUpperBoundSql(type), [p.options.lagSeconds]);
      return res.rows[0]!.hi;
    });
    const checkpoint = await warehouse.readCheckpoint({ pipeline: p.name, region, source: endpoint.id, stream });
    // Nothing new can be safe yet (the bound has not passed the checkpoint): no unit.
    if (checkpoint !== null && hi <= checkpoint) continue;
    units.push({
      kind: 'fact',
      pipeline: p.name,
      region,
      source: endpoint.id,
      stream,
      from: checkpoint === null ? null : minusSeconds(checkpoint, p.options.lookbackSeconds),
      to: hi,
      batchId: `${runId}:${i}`,
      stagePrefix: `${p.name}/${region}/${runId}/${i}`,
    });
  }
  return units;
}
