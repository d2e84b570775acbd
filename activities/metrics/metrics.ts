// What a pipeline reports to on-call. Dimensions (pipeline, region, cell, source, kind,
// partition) are tags, never parts of a metric name, so one dashboard query covers every
// pipeline. Implementations: statsd (DogStatsD), prometheus, composite, noop.
import type { RowCounts } from '../types.js';

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

/** A replication slot a CDC pipeline depends on (managed CDC). */
export interface SlotTags {
  pipeline: string;
  region: string;
  slot: string;
}

/** The Debezium connector a CDC pipeline depends on. */
export interface ConnectorTags {
  pipeline: string;
  region: string;
  connector: string;
}

/** Rows of one merged batch. `read` is what the source gave; the rest is what the warehouse did. */
export type BatchCounts = RowCounts;

/** One pipeline x region: what a run and the config's promises are counted by. */
export interface RunTags {
  pipeline: string;
  region: string;
}

/** How a run ended (workflows/run-report.ts). */
export type RunOutcome = 'succeeded' | 'failed' | 'cancelled';

/** What the config promises for one pipeline x region (config/slo.ts, config/schedule-gap.ts): the alert rules compare with it. */
export interface PipelineTargets extends RunTags {
  freshnessSloSeconds: number;
  /** The schedule's longest gap between fires; null when the cron never fires. */
  scheduleGapSeconds: number | null;
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
  /** WAL bytes the slot holds back at the source (undefined: the slot is gone), and whether a connector streams from it. */
  cdcSlot(tags: SlotTags, retainedWalBytes: number | undefined, active: boolean): void;
  /** Whether the connector or one of its tasks has failed. */
  cdcConnector(tags: ConnectorTags, taskFailed: boolean): void;
  /** One run ended: by outcome, its duration, and (succeeded runs) the rows it staged. */
  run(tags: RunTags, outcome: RunOutcome, durationMs: number, rows?: number): void;
  /** The config's freshness SLO and schedule gap, set at worker start (statsd: repeated, gauges expire). */
  targets(t: PipelineTargets): void;
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
  cdcSlotRetainedWal: 'cdc.slot_retained_wal_bytes',
  cdcSlotActive: 'cdc.slot_active',
  cdcConnectorTaskFailed: 'cdc.connector_task_failed',
  runs: 'runs',
  runDuration: 'run.duration_ms',
  runRows: 'run.rows',
  sloFreshness: 'slo.freshness_seconds',
  scheduleGap: 'schedule.gap_seconds',
} as const;

/** Does nothing: the default when no metrics backend is configured, and in unit tests. */
export const noopMetrics: PipelineMetrics = {
  batch() {},
  freshness() {},
  kafkaLag() {},
  drift() {},
  cdcSlot() {},
  cdcConnector() {},
  run() {},
  targets() {},
  close: () => Promise.resolve(),
};
