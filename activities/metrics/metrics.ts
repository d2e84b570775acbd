// What a pipeline reports to on-call. Dimensions (pipeline, region, cell, source, kind,
// partition) are tags, never parts of a metric name, so one dashboard query covers every
// pipeline. Implementations: statsd (DogStatsD), prometheus, composite, noop.

/** Where a number comes from. `source` is the endpoint id, e.g. "app/us" or "events/us/cell-1". */
export interface MetricTags {
  pipeline: string;
  region: string;
  cell?: string;
  source: string;
  kind: string;
}

/** Kafka lag is per partition of one topic. */
export interface PartitionTags extends MetricTags {
  partition: number;
  topic?: string;
}

/** Rows of one merged batch. `read` is what the source gave; the rest is what the warehouse did. */
export interface BatchCounts {
  read: number;
  /** What the stage held when merged (rows and dead letters); equals `read` once the batch's counts add up. */
  staged: number;
  inserted: number;
  updated: number;
  /** Rows that left the target as it was. */
  unchanged: number;
  deleted: number;
  /** Rows dropped for a newer row of the same key in the batch. */
  deduplicated: number;
  deadLettered: number;
}

export interface PipelineMetrics {
  /** One batch merged: counters per kind of row, and how long the batch took. */
  batch(tags: MetricTags, counts: BatchCounts, durationMs: number): void;
  /** Seconds between now and the newest data known to be in the warehouse. */
  freshness(tags: MetricTags, seconds: number): void;
  /** Messages (and, when known, seconds) between a partition's end offset and the committed offset. */
  kafkaLag(tags: PartitionTags, messages: number, seconds?: number): void;
  /** Reconciliation: how many compared buckets differ between source and warehouse (0 = in sync). */
  drift(tags: MetricTags, buckets: number): void;
  /** Flushes and releases sockets/servers. */
  close(): Promise<void>;
}

/** Metric names, shared by every backend (statsd adds its prefix; prometheus adds `tributary_`). */
export const METRIC = {
  rowsRead: 'rows.read',
  rowsStaged: 'rows.staged',
  rowsUnchanged: 'rows.unchanged',
  rowsDeduplicated: 'rows.deduplicated',
  rowsInserted: 'rows.inserted',
  rowsUpdated: 'rows.updated',
  rowsDeleted: 'rows.deleted',
  rowsDeadLettered: 'rows.dead_lettered',
  batches: 'batches',
  batchDuration: 'batch.duration_ms',
  freshness: 'freshness_seconds',
  kafkaLagMessages: 'kafka.lag_messages',
  kafkaLagSeconds: 'kafka.lag_seconds',
  drift: 'reconcile.drift_buckets',
} as const;

/** Does nothing: the default when no metrics backend is configured, and in unit tests. */
export const noopMetrics: PipelineMetrics = {
  batch() {},
  freshness() {},
  kafkaLag() {},
  drift() {},
  close: () => Promise.resolve(),
};
