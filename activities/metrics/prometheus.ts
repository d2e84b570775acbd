// The same pipeline metrics for Prometheus (prom-client), on a registry of our own so tests
// and several workers in one process never share global state. Served by prometheus-endpoint.ts.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRIC, type BatchCounts, type ConnectorTags, type MetricTags, type PartitionTags, type PipelineMetrics, type PipelineTargets, type RunOutcome, type RunTags, type SlotTags } from './metrics.js';
import { PARTITION_TAG_NAMES, TAG_NAMES, promLabels, promPartitionLabels } from './tags.js';

/** "rows.read" -> "tributary_rows_read". */
export function promName(metric: string): string {
  return `tributary_${metric.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

type RunLabel = 'pipeline' | 'region' | 'outcome';

export class PrometheusMetrics implements PipelineMetrics {
  readonly registry = new Registry();
  private readonly rows: Record<keyof BatchCounts, Counter<(typeof TAG_NAMES)[number]>>;
  private readonly batches: Counter<(typeof TAG_NAMES)[number]>;
  private readonly duration: Histogram<(typeof TAG_NAMES)[number]>;
  private readonly fresh: Gauge<(typeof TAG_NAMES)[number]>;
  private readonly lagMessages: Gauge<(typeof PARTITION_TAG_NAMES)[number]>;
  private readonly lagSeconds: Gauge<(typeof PARTITION_TAG_NAMES)[number]>;
  private readonly driftBuckets: Gauge<(typeof TAG_NAMES)[number]>;
  private readonly slotRetained: Gauge<keyof SlotTags>;
  private readonly slotActive: Gauge<keyof SlotTags>;
  private readonly taskFailed: Gauge<keyof ConnectorTags>;
  /** The freshness gauge as a point in time, so an alert sees the data age between merges too. */
  private readonly freshAt: Gauge<(typeof TAG_NAMES)[number]>;
  private readonly runs: Counter<RunLabel>;
  private readonly runDuration: Histogram<RunLabel>;
  private readonly lastRun: Gauge<RunLabel>;
  private readonly runRows: Histogram<'pipeline' | 'region'>;
  private readonly slo: Gauge<'pipeline' | 'region'>;
  private readonly gap: Gauge<'pipeline' | 'region'>;

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
    const slotLabels: (keyof SlotTags)[] = ['pipeline', 'region', 'slot'];
    this.slotRetained = new Gauge({ name: promName(METRIC.cdcSlotRetainedWal), help: "Bytes of WAL the CDC pipeline's replication slot holds back at the source", labelNames: slotLabels, registers });
    this.slotActive = new Gauge({ name: promName(METRIC.cdcSlotActive), help: '1 while a connector streams from the replication slot, else 0', labelNames: slotLabels, registers });
    this.taskFailed = new Gauge({ name: promName(METRIC.cdcConnectorTaskFailed), help: '1 when the Debezium connector or one of its tasks has failed, else 0', labelNames: ['pipeline', 'region', 'connector'], registers });
    this.freshAt = new Gauge({ name: 'tributary_freshness_timestamp_seconds', help: 'Unix time of the newest data known complete in the warehouse', labelNames, registers });
    const runLabels = ['pipeline', 'region', 'outcome'] as const;
    const pipelineLabels = ['pipeline', 'region'] as const;
    this.runs = new Counter({ name: `${promName(METRIC.runs)}_total`, help: 'Runs of a pipeline in a region, by outcome (succeeded, failed, cancelled)', labelNames: runLabels, registers });
    this.runDuration = new Histogram({
      name: 'tributary_run_duration_seconds',
      help: 'From the start of a run to its end, by outcome',
      labelNames: runLabels,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600],
      registers,
    });
    this.lastRun = new Gauge({ name: 'tributary_last_run_timestamp_seconds', help: 'Unix time the last run of this outcome ended', labelNames: runLabels, registers });
    this.runRows = new Histogram({
      name: promName(METRIC.runRows),
      help: 'Rows a succeeded run staged',
      labelNames: pipelineLabels,
      buckets: [0, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000],
      registers,
    });
    this.slo = new Gauge({ name: promName(METRIC.sloFreshness), help: "The pipeline's freshness SLO in seconds (config slo.freshnessSeconds)", labelNames: pipelineLabels, registers });
    this.gap = new Gauge({ name: promName(METRIC.scheduleGap), help: "The longest gap between two fires of the pipeline's schedule, in seconds", labelNames: pipelineLabels, registers });
  }

  batch(tags: MetricTags, counts: BatchCounts, durationMs: number): void {
    const labels = promLabels(tags);
    for (const k of Object.keys(this.rows) as (keyof BatchCounts)[]) this.rows[k].inc(labels, counts[k]);
    this.batches.inc(labels, 1);
    this.duration.observe(labels, durationMs / 1000);
  }

  freshness(tags: MetricTags, seconds: number): void {
    this.fresh.set(promLabels(tags), seconds);
    this.freshAt.set(promLabels(tags), Date.now() / 1000 - seconds);
  }

  kafkaLag(tags: PartitionTags, messages: number, seconds?: number): void {
    const labels = promPartitionLabels(tags);
    this.lagMessages.set(labels, messages);
    if (seconds !== undefined) this.lagSeconds.set(labels, seconds);
  }

  drift(tags: MetricTags, buckets: number): void {
    this.driftBuckets.set(promLabels(tags), buckets);
  }

  cdcSlot(tags: SlotTags, retainedWalBytes: number | undefined, active: boolean): void {
    const labels = { pipeline: tags.pipeline, region: tags.region, slot: tags.slot };
    // A slot that is gone holds nothing back: its series goes rather than keep its last value.
    if (retainedWalBytes === undefined) this.slotRetained.remove(labels);
    else this.slotRetained.set(labels, retainedWalBytes);
    this.slotActive.set(labels, active ? 1 : 0);
  }

  cdcConnector(tags: ConnectorTags, taskFailed: boolean): void {
    this.taskFailed.set({ pipeline: tags.pipeline, region: tags.region, connector: tags.connector }, taskFailed ? 1 : 0);
  }

  run(tags: RunTags, outcome: RunOutcome, durationMs: number, rows?: number): void {
    const labels = { pipeline: tags.pipeline, region: tags.region, outcome };
    this.runs.inc(labels, 1);
    this.runDuration.observe(labels, durationMs / 1000);
    this.lastRun.set(labels, Date.now() / 1000);
    if (rows !== undefined) this.runRows.observe({ pipeline: tags.pipeline, region: tags.region }, rows);
  }

  targets(t: PipelineTargets): void {
    const labels = { pipeline: t.pipeline, region: t.region };
    this.slo.set(labels, t.freshnessSloSeconds);
    if (t.scheduleGapSeconds !== null) this.gap.set(labels, t.scheduleGapSeconds);
  }

  /** The registry in the Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
