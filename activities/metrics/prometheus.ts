// The same pipeline metrics for Prometheus (prom-client), on a registry of our own so tests
// and several workers in one process never share global state. Served by prometheus-endpoint.ts.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRIC, type BatchCounts, type MetricTags, type PartitionTags, type PipelineMetrics } from './metrics.js';
import { PARTITION_TAG_NAMES, TAG_NAMES, promLabels, promPartitionLabels } from './tags.js';

/** "rows.read" -> "tributary_rows_read". */
export function promName(metric: string): string {
  return `tributary_${metric.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

export class PrometheusMetrics implements PipelineMetrics {
  readonly registry = new Registry();
  private readonly rows: Record<keyof BatchCounts, Counter<(typeof TAG_NAMES)[number]>>;
  private readonly batches: Counter<(typeof TAG_NAMES)[number]>;
  private readonly duration: Histogram<(typeof TAG_NAMES)[number]>;
  private readonly fresh: Gauge<(typeof TAG_NAMES)[number]>;
  private readonly lagMessages: Gauge<(typeof PARTITION_TAG_NAMES)[number]>;
  private readonly lagSeconds: Gauge<(typeof PARTITION_TAG_NAMES)[number]>;
  private readonly driftBuckets: Gauge<(typeof TAG_NAMES)[number]>;

  constructor() {
    const registers = [this.registry];
    const labelNames = TAG_NAMES;
    const counter = (metric: string, help: string) => new Counter({ name: `${promName(metric)}_total`, help, labelNames, registers });
    this.rows = {
      read: counter(METRIC.rowsRead, 'Rows read from the source and staged'),
      staged: counter(METRIC.rowsStaged, 'Rows (and dead letters) the stage held when merged'),
      inserted: counter(METRIC.rowsInserted, 'Rows inserted into the warehouse'),
      updated: counter(METRIC.rowsUpdated, 'Rows updated in the warehouse'),
      unchanged: counter(METRIC.rowsUnchanged, 'Rows merged that left the warehouse as it was'),
      deduplicated: counter(METRIC.rowsDeduplicated, 'Rows dropped for a newer row of the same key in the batch'),
      deleted: counter(METRIC.rowsDeleted, 'Rows deleted (or soft-deleted) in the warehouse'),
      deadLettered: counter(METRIC.rowsDeadLettered, 'Messages written to the dead-letter table'),
    };
    this.batches = counter(METRIC.batches, 'Batches merged into the warehouse');
    this.duration = new Histogram({
      name: 'tributary_batch_duration_seconds',
      help: 'From extraction start to merge commit, per batch',
      labelNames,
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    this.fresh = new Gauge({ name: promName(METRIC.freshness), help: 'Seconds between now and the newest data known complete in the warehouse', labelNames, registers });
    const partitionLabels = PARTITION_TAG_NAMES;
    this.lagMessages = new Gauge({ name: promName(METRIC.kafkaLagMessages), help: 'Messages between the end offset and the committed offset', labelNames: partitionLabels, registers });
    this.lagSeconds = new Gauge({ name: promName(METRIC.kafkaLagSeconds), help: 'Age in seconds of the oldest message not yet committed', labelNames: partitionLabels, registers });
    this.driftBuckets = new Gauge({ name: promName(METRIC.drift), help: 'Reconciliation buckets that differ between source and warehouse', labelNames, registers });
  }

  batch(tags: MetricTags, counts: BatchCounts, durationMs: number): void {
    const labels = promLabels(tags);
    for (const k of Object.keys(this.rows) as (keyof BatchCounts)[]) this.rows[k].inc(labels, counts[k]);
    this.batches.inc(labels, 1);
    this.duration.observe(labels, durationMs / 1000);
  }

  freshness(tags: MetricTags, seconds: number): void {
    this.fresh.set(promLabels(tags), seconds);
  }

  kafkaLag(tags: PartitionTags, messages: number, seconds?: number): void {
    const labels = promPartitionLabels(tags);
    this.lagMessages.set(labels, messages);
    if (seconds !== undefined) this.lagSeconds.set(labels, seconds);
  }

  drift(tags: MetricTags, buckets: number): void {
    this.driftBuckets.set(promLabels(tags), buckets);
  }

  /** The registry in the Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
