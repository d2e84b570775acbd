// Plans one run of a fact pipeline in one region: per source server, the range from the
// committed checkpoint (minus the look-back) up to the safe upper bound, cut into keyset
// chunks of about chunkRows rows. Chunks merge in order, each moving the checkpoint, so a run
// stopped halfway resumes at the last merged chunk.
import { factChunkKeys, factWholeRangeKeys } from '../../../names/stage-keys.js';
import type pg from 'pg';
import type { FactPipelineConfig } from '../../../config/schema.js';
import { postgresEndpoints, sourceTable, type PostgresEndpoint } from '../../../config/resolve.js';
import { type ActivityDeps } from '../../deps.js';
import { sourceTarget } from '../../sources/postgres/target.js';
import type { FactUnit, KeysetBound } from '../../types.js';
import type { WarehouseDialect } from '../../warehouse/dialect.js';
import { tableColumns } from '../../sources/postgres/columns.js';
import { withPg } from '../../pg/connect.js';
import { chunkBoundariesSql, keyColumns, nullWatermarkSql, rangeWhere, watermarkType, type RangeSpec } from '../../sources/postgres/watermark-sql.js';
import { isSmallRead } from '../pull/small-read.js';
import { planWatermarkRange, type PlannedRange } from '../pull/safe-bound.js';
import { badInput } from '../../errors.js';
import { planSource } from '../plan-source.js';

export async function planFact(
  deps: ActivityDeps,
  warehouse: WarehouseDialect,
  p: FactPipelineConfig,
  region: string,
  runId: string,
  /** When given, a source that cannot be planned is reported here and the others are still planned. */
  onSourceError?: (source: string, err: unknown) => void,
  /** Receives the plan's warnings (rows stamped in the future). */
  warnings: string[] = [],
): Promise<FactUnit[]> {
  const [schema, table] = sourceTable(p.table);
  const stream = `${schema}.${table}`;
  const units: FactUnit[] = [];
  for (const [i, endpoint] of postgresEndpoints(deps.config, p.source, region).entries()) {
    const result = await planSource(endpoint.id, () => withPg(sourceTarget(endpoint), deps.secrets, (client) => planChunks(deps, warehouse, client, p, region, endpoint, schema, table)), onSourceError);
    const planned = result?.planned;
    if (!planned) continue;
    const { range, bounds, small } = planned;
    warnings.push(...range.warnings);
    const base = { kind: 'fact' as const, pipeline: p.name, region, source: endpoint.id, stream, from: range.from, to: range.to, markers: [range.marker], ...(range.checkpointStream ? { checkpointStream: range.checkpointStream } : {}) };
    if (small) {
      // The whole range is one small batch: the plan's activity extracts and merges it.
      units.push({ ...base, after: null, until: null, checkpoint: range.to, inline: true, ...factWholeRangeKeys(p.name, region, runId, i) });
      continue;
    }
    // n bounds make n + 1 chunks: (-inf, b1], (b1, b2], ..., (bn, +inf), all inside [from, to).
    const chunks = bounds.length + 1;
    for (let c = 0; c < chunks; c++) {
      const last = c === chunks - 1;
      units.push({
        ...base,
        after: c === 0 ? null : bounds[c - 1]!,
        until: last ? null : bounds[c]!,
        // Everything below the chunk's last watermark is loaded once it merges (the lower bound is inclusive).
        checkpoint: last ? range.to : bounds[c]!.watermark,
        ...factChunkKeys(p.name, region, runId, i, c),
      });
    }
  }
  return units;
}

async function planChunks(
  deps: ActivityDeps,
  warehouse: WarehouseDialect,
  client: pg.Client,
  p: FactPipelineConfig,
  region: string,
  endpoint: PostgresEndpoint,
  schema: string,
  table: string,
): Promise<{ range: PlannedRange; bounds: KeysetBound[]; small: boolean } | null> {
  const label = `pipeline ${p.name}, source ${endpoint.id}`;
  const columns = await tableColumns(client, schema, table, label);
  const type = watermarkType(columns, p.watermark, label);
  const key = keyColumns(columns, p.key, label);
  const nulls = await client.query<{ has_nulls: boolean }>(nullWatermarkSql(schema, table, p.watermark));
  if (nulls.rows[0]?.has_nulls) {
    throw badInput(`${label}: watermark column "${p.watermark}" of ${schema}.${table} has NULLs; those rows would never be synced (make it NOT NULL or fill it)`);
  }
  const range = await planWatermarkRange(
    deps,
    warehouse,
    {
      pipeline: p.name,
      region,
      endpoint,
      schema,
      table,
      column: p.watermark,
      type,
      lagSeconds: p.options.lagSeconds,
      lookbackSeconds: p.options.lookbackSeconds,
      ...(p.watermarkTimeZone ? { declaredZone: p.watermarkTimeZone } : {}),
    },
    client,
  );
  if (!range) return null;
  const spec: RangeSpec = { schema, table, watermark: p.watermark, type, key, from: range.from, to: range.to };
  const res = await client.query<Record<string, string>>(chunkBoundariesSql(spec), [p.options.chunkRows]);
  // Chunk bounds come back in the UTC text form; a zone's checkpoints carry no "Z".
  const text = (wm: string) => (range.checkpointStream ? wm.replace(/Z$/, '') : wm);
  const bounds = res.rows.map((r) => ({ watermark: text(r.wm!), key: key.map((_, i) => r[`k${i}`]!) }));
  const small = bounds.length === 0 && (await isSmallRead(client, schema, table, p.options.smallReadRows, rangeWhere(spec)));
  return { range, bounds, small };
}
