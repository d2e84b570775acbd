// Plans a backfill: per source server, the keyset bounds that cut the past range [from, to) of a
// fact table into chunks of about chunkRows rows (the same planner a run uses); a dimension
// backfill is one whole-table chunk per server. Returns bounds, not units: the plan stays small.
import { sourceTable } from '../../config/resolve.js';
import { sourceTarget, type ActivityDeps } from '../deps.js';
import { badInput } from '../errors.js';
import { tableColumns } from '../postgres/columns.js';
import { withPg } from '../postgres/connect.js';
import { chunkBoundariesSql, keyColumns, watermarkType } from '../postgres/watermark-sql.js';
import { endpointsOf, reconcilablePipeline } from '../reconcile/tables.js';
import type { BackfillInput, BackfillPlan, BackfillSourcePlan } from '../types.js';
import type { WarehouseDialect } from '../warehouse/dialect.js';
import { adoptZoneMarkers } from '../postgres/adopt-zone.js';

/** Chunks a plan may hold: it travels through history with every continue-as-new. */
export const MAX_CHUNKS = 20_000;

export async function planBackfill(deps: ActivityDeps, warehouse: WarehouseDialect, input: BackfillInput): Promise<BackfillPlan> {
  const p = reconcilablePipeline(deps, input.pipeline);
  const [schema, table] = sourceTable(p.table);
  const stream = `${schema}.${table}`;
  const endpoints = endpointsOf(deps, p, input.region, input.source);
  const base = { pipeline: p.name, region: input.region, from: input.from, to: input.to };

  if (p.kind === 'dimension') {
    if (input.adoptZone) throw badInput(`pipeline ${p.name} is a dimension: a full pass adopts a new zone of its change column by itself (tributary run ${p.name} --region ${input.region} --full-pass)`);
    if (input.from !== null || input.to !== null) {
      throw badInput(`pipeline ${p.name} is a dimension: its backfill re-syncs the whole table, so it takes no --from/--to`);
    }
    const sources = endpoints.map((e) => ({ source: e.id, stream, bounds: [] }));
    return { ...base, kind: 'dimension', maxParallel: input.maxParallel ?? 4, sources, chunksTotal: sources.length };
  }

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
    sources.push({ source: endpoint.id, stream, bounds, ...(markers ? { markers } : {}) });
  }
  const chunksTotal = sources.reduce((n, s) => n + s.bounds.length + 1, 0);
  if (chunksTotal > MAX_CHUNKS) throw badInput(`pipeline ${p.name}: the backfill would be ${chunksTotal} chunks (at most ${MAX_CHUNKS}); raise --chunk-rows or cut the range`);
  return { ...base, kind: 'fact', maxParallel: input.maxParallel ?? p.options.maxParallel, sources, chunksTotal };
}
