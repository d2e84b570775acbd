// The Helm values an environment deploys: the chart's values.yaml, then the stack's values
// file, then what Pulumi created. Merged the way Helm merges them, so what Pulumi validates
// and reads (the source secrets) is what the release gets.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export type Values = Record<string, unknown>;

export const chartDir = fileURLToPath(new URL('../helm/tributary', import.meta.url));

const isMap = (v: unknown): v is Values => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Helm's rule: maps merge key by key, anything else (lists too) is replaced, null removes the key. */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else if (isMap(value) && isMap(out[key])) out[key] = mergeValues(out[key], value);
    else out[key] = value;
  }
  return out;
}

export function readValuesFile(file: string): Values {
  const parsed: unknown = parse(readFileSync(file, 'utf8'));
  if (parsed === null || parsed === undefined) return {};
  if (!isMap(parsed)) throw new Error(`${file}: expected a map of Helm values`);
  return parsed;
}

/** The chart's values.yaml with each file laid over it in order. */
export function releaseValues(files: string[]): Values {
  return [`${chartDir}/values.yaml`, ...files].map(readValuesFile).reduce(mergeValues, {});
}

/** Every secret the pipeline config's sources name, once each, sorted. */
export function sourceSecretNames(values: Values): string[] {
  const config = isMap(values.config) ? values.config : {};
  const sources = isMap(config.sources) ? config.sources : {};
  const names = new Set<string>();
  for (const source of Object.values(sources)) {
    if (!isMap(source)) continue;
    for (const place of [source.servers, source.clusters]) {
      if (!Array.isArray(place)) continue;
      for (const p of place) if (isMap(p) && typeof p.secret === 'string') names.add(p.secret);
    }
  }
  return [...names].sort();
}
