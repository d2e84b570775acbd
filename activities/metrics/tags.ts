// Tag sets as each backend wants them. A missing cell is left out (statsd) or empty
// (Prometheus, whose label set per metric is fixed; an empty label equals an absent one).
// Every value is scrubbed: a tag is sent in clear to a metrics backend that keeps it for months.
import { secretRedactor } from '../secrets/redact.js';
import type { MetricTags, PartitionTags } from './metrics.js';

const clean = (v: string) => secretRedactor.scrub(v);

export const TAG_NAMES = ['pipeline', 'region', 'cell', 'source', 'kind'] as const;
export const PARTITION_TAG_NAMES = [...TAG_NAMES, 'topic', 'partition'] as const;

export function statsdTags(tags: MetricTags | PartitionTags | Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) if (v !== undefined && v !== '') out[k] = clean(String(v));
  return out;
}

export function promLabels(tags: MetricTags): Record<(typeof TAG_NAMES)[number], string> {
  return { pipeline: clean(tags.pipeline), region: clean(tags.region), cell: clean(tags.cell ?? ''), source: clean(tags.source), kind: clean(tags.kind) };
}

export function promPartitionLabels(tags: PartitionTags): Record<(typeof PARTITION_TAG_NAMES)[number], string> {
  return { ...promLabels(tags), topic: clean(tags.topic ?? ''), partition: String(tags.partition) };
}
