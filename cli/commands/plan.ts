import { createSecretProvider } from '../../activities/secrets/provider.js';
import { discoverTableSets, type TableSetDiscovery } from '../../client/table-sets.js';
import type { TributaryConfig } from '../../config/schema.js';
import { table } from '../output.js';

/** What the table sets expand to, as people read it: per set and region the tables, then what was left out and why. */
export function planText(d: TableSetDiscovery): string {
  const parts: string[] = [];
  for (const f of d.failures) parts.push(`server ${f.server} (source ${f.source}, region ${f.region}): catalog not read: ${f.error}; its last stored catalog is used`);
  for (const s of d.expansion.sets) {
    parts.push(`table set ${s.set} (source ${s.source}): ${s.tables.length} pipelines, ${s.leftOut.length} left out`);
    for (const region of s.regions) {
      const here = s.tables.filter((t) => t.regions.includes(region));
      parts.push(`\nregion ${region}: ${here.length} tables`);
      if (here.length) {
        parts.push(
          table(
            ['table', 'kind', 'key', 'watermark', 'target', 'pipeline', 'why'],
            here.map((t) => [`${t.schema}.${t.table}${t.partitioned ? ' (partitioned)' : ''}`, t.kind, `${t.key.join(', ')} (${t.keyFrom})`, t.watermark ?? '-', t.target, t.pipeline, t.because]),
          ),
        );
      }
      const absent = s.absent.filter((a) => a.region === region);
      if (absent.length) parts.push(`not in this region (shown, not an error): ${absent.map((a) => a.table).join(', ')}`);
    }
    if (s.leftOut.length) {
      parts.push('\nleft out:');
      parts.push(table(['table', 'region', 'server', 'reason'], s.leftOut.map((l) => [l.table, l.region ?? 'all', l.server ?? '-', l.reason])));
    }
    parts.push('');
  }
  if (d.added.length) parts.push(`new since the last apply: ${d.added.join(', ')}`);
  for (const r of d.retired) parts.push(`gone since the last apply: ${r.pipeline} (${r.schema}.${r.table}): apply removes its schedules and keeps ${r.target}`);
  return parts.join('\n');
}

export function planJson(d: TableSetDiscovery): unknown {
  return {
    sets: d.expansion.sets.map((s) => ({ ...s, tables: s.tables.map(({ config: _config, ...t }) => t) })),
    failures: d.failures,
    added: d.added,
    retired: d.retired.map((r) => ({ pipeline: r.pipeline, table: `${r.schema}.${r.table}`, target: r.target })),
  };
}

/** `tributary plan [--json]`: reads every source's catalog and prints what the table sets expand to. Exit 1 if a catalog could not be read. */
export async function plan(config: TributaryConfig, json: boolean): Promise<number> {
  if (config.tableSets.length === 0) {
    console.error('the config declares no table sets (tableSets:): nothing to expand');
    return 0;
  }
  const d = await discoverTableSets(config, createSecretProvider(config.secrets), { store: false });
  console.log(json ? JSON.stringify(planJson(d), null, 2) : planText(d));
  return d.failures.length ? 1 : 0;
}
