// Plans one run of a dimension pipeline in one region: one unit per source server. By default
// each unit reads the whole table and the warehouse's row hashes say what changed. In
// incremental mode a unit reads only the rows whose change column moved past the checkpoint
// (up to the same safe upper bound as facts), and a full pass still runs every
// fullPassEveryHours, because only a full read can see rows deleted at the source.
import { dimensionKeys } from '../../../names/stage-keys.js';
import type { DimensionPipelineConfig } from '../../../config/schema.js';
import { postgresEndpoints, sourceTable } from '../../../config/resolve.js';
import type { DimensionUnit } from '../../types.js';
import { type ActivityDeps } from '../../deps.js';
import { sourceTarget } from '../../sources/postgres/target.js';
import type { WarehouseDialect } from '../../warehouse/dialect.js';
import { tableColumns } from '../../sources/postgres/columns.js';
import { withPg } from '../../pg/connect.js';
import { rangeWhere, watermarkType } from '../../sources/postgres/watermark-sql.js';
import { isSmallRead } from '../pull/small-read.js';
import { planWatermarkRange, type PlannedRange } from '../pull/safe-bound.js';
import { planSource } from '../plan-source.js';

/** The stream under which the time of the last full pass is kept, next to the change-column checkpoint. */
export const fullPassStream = (stream: string) => `${stream}#full-pass`;

/** A full pass is due when none ran yet, or the last one is at least `hours` old. */
export function fullPassDue(lastFullPass: string | null, now: Date, hours: number): boolean {
  return lastFullPass === null || now.getTime() - Date.parse(lastFullPass) >= hours * 3_600_000;
}

export async function planDimension(
  deps: ActivityDeps,
  warehouse: WarehouseDialect,
  p: DimensionPipelineConfig,
  region: string,
  runId: string,
  forceFullPass = false,
  /** When given, a source that cannot be planned is reported here and the others are still planned. */
  onSourceError?: (source: string, err: unknown) => void,
  /** Receives the plan's warnings (rows stamped in the future). */
  warnings: string[] = [],
): Promise<DimensionUnit[]> {
  const [schema, table] = sourceTable(p.table);
  const stream = `${schema}.${table}`;
  const incremental = p.options.incremental;
  const units: DimensionUnit[] = [];
  for (const [i, endpoint] of postgresEndpoints(deps.config, p.source, region).entries()) {
    const base = {
      kind: 'dimension' as const,
      pipeline: p.name,
      region,
      source: endpoint.id,
      stream,
      ...dimensionKeys(p.name, region, runId, i),
    };
    if (!incremental) {
      // A small table is read and merged by the plan's activity (a probe that cannot connect says no).
      const small = p.options.smallReadRows > 0 && (await withPg(sourceTarget(endpoint), deps.secrets, (client) => isSmallRead(client, schema, table, p.options.smallReadRows)).catch(() => false));
      units.push({ ...base, checkpoint: null, window: null, ...(small ? { inline: true as const } : {}) });
      continue;
    }
    const label = `pipeline ${p.name}, source ${endpoint.id}`;
    const key = { pipeline: p.name, region, source: endpoint.id };
    const lastFull = await warehouse.readCheckpoint({ ...key, stream: fullPassStream(stream) });
    const now = new Date();
    const full = forceFullPass || fullPassDue(lastFull, now, incremental.fullPassEveryHours);
    let small = false;
    const result = await planSource(
      endpoint.id,
      () =>
        withPg(sourceTarget(endpoint), deps.secrets, async (client) => {
          const type = watermarkType(await tableColumns(client, schema, table, label), incremental.column, label);
          const spec = { pipeline: p.name, region, endpoint, schema, table, column: incremental.column, type, lagSeconds: incremental.lagSeconds, lookbackSeconds: incremental.lookbackSeconds, fullPass: full };
          const planned = await planWatermarkRange(deps, warehouse, incremental.timeZone ? { ...spec, declaredZone: incremental.timeZone } : spec, client);
          // What the unit reads: the whole table on a full pass, else the window.
          if (full || planned) small = await isSmallRead(client, schema, table, p.options.smallReadRows, full || !planned ? undefined : rangeWhere({ watermark: incremental.column, type, from: planned.from, to: planned.to }));
          return planned;
        }),
      onSourceError,
    );
    if (!result) continue;
    const range: PlannedRange | null = result.planned;
    warnings.push(...(range?.warnings ?? []));
    const positions = {
      ...(range ? { checkpoint: range.to, ...(range.checkpointStream ? { checkpointStream: range.checkpointStream } : {}) } : { checkpoint: null }),
      ...(small ? { inline: true as const } : {}),
    };
    if (full) {
      // Rows changed at or after the bound are read now and again by the next window: the hashes make that a no-op.
      units.push({ ...base, window: null, ...positions, markers: [...(range ? [range.marker] : []), { stream: fullPassStream(stream), position: now.toISOString() }] });
    } else if (range) {
      units.push({ ...base, window: { column: incremental.column, from: range.from, to: range.to }, ...positions, markers: [range.marker] });
    }
  }
  return units;
}
