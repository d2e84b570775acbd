// Expands one table set against the catalogs of its source's servers: each server's tables are
// matched and shaped on their own, a region takes a table when all its servers agree, and the
// pipeline takes the regions that agree with the first. Pure: the same catalogs and config
// give the same pipelines, in the same order.
import { capturedTablePipeline } from '../capture.js';
import { pipelineSchema, type TableSetConfig, type TableSetOverride } from '../schema.js';
import { qualifiedName, type CatalogTable, type ServerCatalog } from './catalog.js';
import type { AbsentTable, ExpandedTable, LeftOut, SetExpansion } from './expansion.js';
import { globMatches, inSet } from './glob.js';
import { tableSetPipelineName } from './pipeline-name.js';
import { tableShape, type ShapeResult, type TableShape } from './table-rules.js';

export interface SetContext {
  /** The warehouse's schema, where targets land unless the set maps them. */
  warehouseSchema: string;
  /** The deployment's task queue prefix, which a cdc set's topics, connector and slot are named by. */
  taskQueuePrefix: string;
  /** The set's regions, in order, each with its servers (endpoint ids) in config order. */
  regions: { region: string; servers: string[] }[];
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sameShape = (a: TableShape, b: TableShape) => a.kind === b.kind && a.watermark === b.watermark && a.key.join() === b.key.join();
const describeShape = (s: TableShape) => `${s.kind}, key (${s.key.join(', ')})${s.watermark ? `, watermark ${s.watermark}` : ''}`;

export function overrideFor(set: TableSetConfig, t: { schema: string; table: string }): TableSetOverride | undefined {
  return set.overrides[qualifiedName(t)] ?? set.overrides[t.table];
}

export function targetOf(set: TableSetConfig, warehouseSchema: string, t: { schema: string; table: string }): string {
  const schema = set.target.schemas?.[t.schema] ?? set.target.schema ?? warehouseSchema;
  return `${schema}.${set.target.prefix ?? ''}${t.table}`;
}

export function expandTableSet(set: TableSetConfig, catalogs: readonly ServerCatalog[], ctx: SetContext): SetExpansion {
  const base = { set: set.name, source: set.source };
  const leftOut: LeftOut[] = [];
  const absent: AbsentTable[] = [];
  const byServer = new Map(catalogs.filter((c) => c.source === set.source).map((c) => [c.server, c]));
  const out = (table: string, reason: string, where: { region?: string; server?: string } = {}) => leftOut.push({ ...base, table, ...where, reason });

  // Every matched table of every server, shaped on that server's catalog.
  const found = new Map<string, Map<string, { t: CatalogTable; shape: ShapeResult }>>();
  const excluded = new Set<string>();
  for (const { servers } of ctx.regions) {
    for (const server of servers) {
      for (const t of byServer.get(server)?.tables ?? []) {
        const q = qualifiedName(t);
        if (!inSet(set, q)) continue;
        const o = overrideFor(set, t);
        if (o?.exclude) {
          excluded.add(q);
          continue;
        }
        if (!found.has(q)) found.set(q, new Map());
        found.get(q)!.set(server, { t, shape: tableShape(set, t, o) });
      }
    }
  }
  for (const q of [...excluded].sort(byName)) out(q, 'excluded by its override');

  const tables: ExpandedTable[] = [];
  for (const q of [...found.keys()].sort(byName)) {
    const onServers = found.get(q)!;
    let first: { region: string; shape: TableShape } | undefined;
    const regions: string[] = [];
    const servers: string[] = [];
    let catalogTable: CatalogTable | undefined;
    for (const { region, servers: regionServers } of ctx.regions) {
      const here = regionServers.map((s) => ({ server: s, got: onServers.get(s) }));
      const missing = here.filter((h) => !h.got).map((h) => h.server);
      if (missing.length === regionServers.length) {
        absent.push({ table: q, region, servers: missing });
        continue;
      }
      if (missing.length) {
        out(q, `not on server${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of the region, which every server of a region must have`, { region });
        continue;
      }
      const bad = here.find((h) => !h.got!.shape.ok);
      if (bad) {
        out(q, (bad.got!.shape as { reason: string }).reason, { region, server: bad.server });
        continue;
      }
      const shapes = here.map((h) => ({ server: h.server, shape: (h.got!.shape as { shape: TableShape }).shape }));
      const odd = shapes.find((s) => !sameShape(s.shape, shapes[0]!.shape));
      if (odd) {
        out(q, `server ${odd.server} has it as ${describeShape(odd.shape)}, server ${shapes[0]!.server} as ${describeShape(shapes[0]!.shape)}`, { region });
        continue;
      }
      const shape = shapes[0]!.shape;
      if (first && !sameShape(first.shape, shape)) {
        out(q, `here ${describeShape(shape)}, in ${first.region} ${describeShape(first.shape)}: one pipeline takes one shape`, { region });
        continue;
      }
      first ??= { region, shape };
      catalogTable ??= onServers.get(regionServers[0]!)!.t;
      regions.push(region);
      servers.push(...regionServers);
    }
    if (!first || !catalogTable) continue;
    const t = catalogTable;
    const o = overrideFor(set, t);
    const target = targetOf(set, ctx.warehouseSchema, t);
    const shape = first.shape;
    const name = tableSetPipelineName(set.name, t.schema, t.table);
    const schedule = o?.schedule ?? set.schedule[shape.kind];
    const raw = set.cdc
      ? capturedPipeline(set, ctx, { name, schema: t.schema, table: t.table, key: shape.key, target }, { regions, schedule, options: o?.options ?? {} })
      : {
          name,
          source: set.source,
          kind: shape.kind,
          table: q,
          target,
          regions,
          key: shape.key,
          ...(shape.watermark ? { watermark: shape.watermark } : {}),
          schedule,
          paused: set.paused,
          ...(o?.options ? { options: o.options } : {}),
        };
    const parsed = pipelineSchema.safeParse(raw);
    if (!parsed.success) {
      out(q, `as a ${shape.kind} pipeline: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(pipeline)'}: ${i.message}`).join('; ')}`);
      continue;
    }
    const config = parsed.data as ExpandedTable['config'];
    tables.push({ ...base, ...shape, pipeline: config.name, schema: t.schema, table: t.table, target, partitioned: t.partitioned, regions, servers, config });
  }

  // Two tables of the set landing in one target, or sharing a name: neither is taken.
  const clashOut = (x: ExpandedTable, reason: string) => out(qualifiedName(x), reason);
  const kept = dropClashes(dropClashes(tables, (x) => x.target.toLowerCase(), 'its target', clashOut), (x) => x.pipeline, 'its pipeline name', clashOut);

  // Patterns and overrides that found nothing: said, never silently empty.
  const everyTable = [...byServer.values()].flatMap((c) => c.tables);
  for (const p of set.include) {
    if (!everyTable.some((t) => globMatches(p, qualifiedName(t)))) out(p, 'the include pattern matches no table on any server');
  }
  for (const name of Object.keys(set.overrides).sort(byName)) {
    const hit = name.includes('.') ? found.has(name) || excluded.has(name) : [...found.keys(), ...excluded].some((q) => q.slice(q.indexOf('.') + 1) === name);
    if (!hit) out(name, 'the override names a table the set does not match on any server');
  }
  return { ...base, regions: ctx.regions.map((r) => r.region), tables: kept, leftOut, absent };
}

/** A table of a cdc set as the managed cdc pipeline a capture entry would make of it: the set is the capture. */
function capturedPipeline(set: TableSetConfig, ctx: SetContext, t: { name: string; schema: string; table: string; key: string[]; target: string }, p: { regions: string[]; schedule: string; options: object }) {
  const { kafka, ...capture } = set.cdc!;
  const entry = { name: set.name, source: kafka, regions: p.regions, paused: set.paused, schedule: p.schedule, options: p.options, capture: { ...capture, from: set.source } };
  return capturedTablePipeline(entry, ctx.taskQueuePrefix, t);
}

/** Tables that share `what` with another are left out, each message naming the others. */
export function dropClashes(tables: ExpandedTable[], what: (x: ExpandedTable) => string, label: string, out: (x: ExpandedTable, reason: string) => void): ExpandedTable[] {
  const groups = new Map<string, ExpandedTable[]>();
  for (const x of tables) groups.set(what(x), [...(groups.get(what(x)) ?? []), x]);
  const gone = new Set<ExpandedTable>();
  for (const [value, group] of groups) {
    if (group.length < 2) continue;
    for (const x of group) {
      out(x, `${label} ${value} is also that of ${group.filter((y) => y !== x).map((y) => `${y.set}: ${qualifiedName(y)}`).join(', ')}`);
      gone.add(x);
    }
  }
  return tables.filter((x) => !gone.has(x));
}
