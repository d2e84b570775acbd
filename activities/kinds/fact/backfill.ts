// Plans a fact backfill: per source server, the keyset bounds that cut the past range [from, to)
// into chunks of about chunkRows rows (the same planner a run uses). Returns bounds and a unit
// template, not units: the plan stays small.
import { sourceTable } from '../../../config/resolve.js';
import type { FactPipelineConfig } from '../../../config/schema.js';
import { badInput } from '../../errors.js';
import { tableColumns } from '../../sources/postgres/columns.js';
import { sourceTarget } from '../../sources/postgres/target.js';
import { withPg } from '../../pg/connect.js';
import { chunkBoundariesSql, keyColumns, watermarkType } from '../../sources/postgres/watermark-sql.js';
import { endpointsOf } from '../../reconcile/tables.js';
import type { BackfillInput, BackfillPlan, BackfillSourcePlan, FactUnit } from '../../types.js';
import type { KindContext } from '../kind.js';
import { adoptZoneMarkers } from '../pull/adopt-zone.js';
import { MAX_CHUNKS } from '../pull/backfill-limits.js';

export async function planFactBackfill({ deps, warehouse }: KindContext, p: FactPipelineConfig, input: BackfillInput): Promise<BackfillPlan> {
  const [schema, table] = sourceTable(p.table);
  const stream = `${schema}.${table}`;
  const endpoints = endpointsOf(deps, p, input.region, input.source);
  const { from, to } = input;
  if (from === null || to === null) throw badInput(`pipeline ${p.name}: a fact backfill needs a range: --from and --to (watermark ${p.watermark})`);
  if (!(from < to)) throw badInput(`pipeline ${p.name}: the backfill range is empty: --from ${from} is not before --to ${to}`);
  const chunkRows = input.chunkRows ?? p.options.chunkRows;
  const sources: BackfillSourcePlan[] = [];
  for (const endpoint of endpoints) {
    const label = `pipeline ${p.name}, source ${endpoint.id}`;
    const { bounds, naive } = await withPg(sourceTarget(endpoint), deps.secrets, async (client) => {
      const columns = await tableColumns(client, schema, table, label);
      const range = { schema, table, watermark: p.watermark, type: watermarkType(columns, p.watermark, label), key: keyColumns(columns, p.key, label), from, to };
      const res = await client.query<Record<string, string>>(chunkBoundariesSql(range), [chunkRows]);
      return { bounds: res.rows.map((r) => ({ watermark: r.wm!, key: range.key.map((_, i) => r[`k${i}`]!) })), naive: range.type === 'timestamp without time zone' };
    });
    if (input.adoptZone && !naive) throw badInput(`${label}: --adopt-zone is for a timestamp without time zone watermark; ${p.watermark} has a zone of its own`);
    const markers = input.adoptZone ? await adoptZoneMarkers(deps, warehouse, p, input.region, endpoint, stream, from) : undefined;
    // Chunks carry no checkpoint (the pipeline's never moves back); --adopt-zone's markers go with every chunk.
    const unit: FactUnit = { kind: 'fact', pipeline: p.name, region: input.region, source: endpoint.id, stream, batchId: '', stagePrefix: '', checkpoint: null, from, to, after: null, until: null, ...(markers ? { markers } : {}) };
    sources.push({ source: endpoint.id, stream, unit, bounds });
  }
  const chunksTotal = sources.reduce((n, s) => n + s.bounds.length + 1, 0);
  if (chunksTotal > MAX_CHUNKS) throw badInput(`pipeline ${p.name}: the backfill would be ${chunksTotal} chunks (at most ${MAX_CHUNKS}); raise --chunk-rows or cut the range`);
  return { pipeline: p.name, region: input.region, from, to, maxParallel: input.maxParallel ?? p.options.maxParallel, sources, chunksTotal };
}
