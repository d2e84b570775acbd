// Every table set of a config expanded, and the config with their pipelines appended after the
// hand-written ones: what apply, the workers, status and run all use, so an expanded pipeline
// is a pipeline like any other. Targets and names are checked across sets and against the
// hand-written pipelines; a clash leaves the set's tables out, never a hand-written pipeline.
import { postgresEndpoints, targetTable } from '../resolve.js';
import type { TableSetConfig, TributaryConfig } from '../schema.js';
import type { ServerCatalog } from './catalog.js';
import type { ExpandedTable, SetExpansion } from './expansion.js';
import { dropClashes, expandTableSet, type SetContext } from './expand-set.js';

export interface ConfigExpansion {
  sets: SetExpansion[];
  /** The config with every expanded pipeline appended. */
  config: TributaryConfig;
}

/** A set's regions (its own, else its source's) and each region's servers, in config order. */
export function setContext(config: TributaryConfig, set: TableSetConfig): SetContext {
  const src = config.sources[set.source];
  const regions = set.regions ?? (src?.type === 'postgres' ? [...new Set(src.servers.map((s) => s.region))] : []);
  return { warehouseSchema: config.warehouse.schema, taskQueuePrefix: config.temporal.taskQueuePrefix, regions: regions.map((region) => ({ region, servers: postgresEndpoints(config, set.source, region).map((e) => e.id) })) };
}

export function expandConfig(config: TributaryConfig, catalogs: readonly ServerCatalog[]): ConfigExpansion {
  const sets = config.tableSets.map((set) => expandTableSet(set, catalogs, setContext(config, set)));
  const handTargets = new Map(config.pipelines.map((p) => [targetTable(config, p).join('.').toLowerCase(), p.name]));
  const handNames = new Set(config.pipelines.map((p) => p.name));
  const all: ExpandedTable[] = sets.flatMap((s) => s.tables);
  const outOf = (x: ExpandedTable, reason: string) => sets.find((s) => s.set === x.set)!.leftOut.push({ set: x.set, source: x.source, table: `${x.schema}.${x.table}`, reason });
  const free = all.filter((x) => {
    const hand = handTargets.get(x.target.toLowerCase());
    if (hand !== undefined) outOf(x, `its target ${x.target} is that of pipeline ${hand}`);
    else if (handNames.has(x.pipeline)) outOf(x, `its pipeline name ${x.pipeline} is a hand-written pipeline's`);
    return hand === undefined && !handNames.has(x.pipeline);
  });
  // Across sets (within one, expandTableSet has already taken them out).
  const kept = new Set(dropClashes(dropClashes(free, (x) => x.target.toLowerCase(), 'its target', outOf), (x) => x.pipeline, 'its pipeline name', outOf));
  for (const s of sets) s.tables = s.tables.filter((x) => kept.has(x));
  return { sets, config: { ...config, pipelines: [...config.pipelines, ...sets.flatMap((s) => s.tables.map((x) => x.config))] } };
}
