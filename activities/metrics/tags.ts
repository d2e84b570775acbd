// Tag sets as each backend wants them. A missing cell is left out (statsd) or empty
// (Prometheus, whose label set per metric is fixed; an empty label equals an absent one).
import type { MetricTags, PartitionTags } from './metrics.js';

export const TAG_NAMES = ['pipeline', 'region', 'cell', 'source', 'kind'] as const;
export const PARTITION_TAG_NAMES = [...TAG_NAMES, 'topic', 'partition'] as const;

export function statsdTags(tags: MetricTags | PartitionTags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) if (v !== undefined && v !== '') out[k] = String(v);
  return out;
}

export function promLabels(tags: MetricTags): Record<(typeof TAG_NAMES)[number], string> {
  return { pipeline: tags.pipeline, region: tags.region, cell: tags.cell ?? '', source: tags.source, kind: tags.kind };
}

export function promPartitionLabels(tags: PartitionTags): Record<(typeof PARTITION_TAG_NAMES)[number], string> {
  return { ...promLabels(tags), topic: tags.topic ?? '', partition: String(tags.partition) };
}
