// DogStatsD (Datadog) through hot-shots: counters per row kind, a timer per batch, gauges for
// freshness, Kafka lag and drift. Every dimension is a tag. Datagrams are buffered a little
// (under one MTU) so a batch's numbers travel in one packet.
import StatsD from 'hot-shots';
import { METRIC, type BatchCounts, type ConnectorTags, type MetricTags, type PartitionTags, type PipelineMetrics, type PipelineTargets, type RunOutcome, type RunTags, type SlotTags } from './metrics.js';
import { statsdTags } from './tags.js';

export interface StatsdOptions {
  host: string;
  port: number;
  prefix: string;
  /** Added to every metric, e.g. { env: 'prod' }. */
  tags?: Record<string, string>;
  /** Where send errors go (a metrics outage must never fail a pipeline). */
  onError?: (err: Error) => void;
}

type Client = InstanceType<typeof StatsD>;

export class StatsdMetrics implements PipelineMetrics {
  readonly client: Client;

  constructor(opts: StatsdOptions, client?: Client) {
    this.client =
      client ??
      new StatsD({
        host: opts.host,
        port: opts.port,
        prefix: opts.prefix,
        globalTags: statsdTags(opts.tags ?? {}),
        maxBufferSize: 1400,
        bufferFlushInterval: 500,
        errorHandler: opts.onError ?? (() => undefined),
      });
  }

  batch(tags: MetricTags, counts: BatchCounts, durationMs: number): void {
    const t = statsdTags(tags);
    this.client.increment(METRIC.rowsRead, counts.read, t);
    this.client.increment(METRIC.rowsStaged, counts.staged, t);
    this.client.increment(METRIC.rowsInserted, counts.inserted, t);
    this.client.increment(METRIC.rowsUpdated, counts.updated, t);
    this.client.increment(METRIC.rowsUnchanged, counts.unchanged, t);
    this.client.increment(METRIC.rowsDeleted, counts.deleted, t);
    this.client.increment(METRIC.rowsDeduplicated, counts.deduplicated, t);
    this.client.increment(METRIC.rowsDeadLettered, counts.deadLettered, t);
    this.client.increment(METRIC.batches, 1, t);
    this.client.timing(METRIC.batchDuration, durationMs, t);
  }

  freshness(tags: MetricTags, seconds: number): void {
    this.client.gauge(METRIC.freshness, seconds, statsdTags(tags));
  }

  kafkaLag(tags: PartitionTags, messages: number, seconds?: number): void {
    const t = statsdTags(tags);
    this.client.gauge(METRIC.kafkaLagMessages, messages, t);
    if (seconds !== undefined) this.client.gauge(METRIC.kafkaLagSeconds, seconds, t);
  }

  drift(tags: MetricTags, buckets: number): void {
    this.client.gauge(METRIC.drift, buckets, statsdTags(tags));
  }

  cdcSlot(tags: SlotTags, retainedWalBytes: number | undefined, active: boolean): void {
    const t = { ...tags };
    if (retainedWalBytes !== undefined) this.client.gauge(METRIC.cdcSlotRetainedWal, retainedWalBytes, t);
    this.client.gauge(METRIC.cdcSlotActive, active ? 1 : 0, t);
  }

  cdcConnector(tags: ConnectorTags, taskFailed: boolean): void {
    this.client.gauge(METRIC.cdcConnectorTaskFailed, taskFailed ? 1 : 0, { ...tags });
  }

  run(tags: RunTags, outcome: RunOutcome, durationMs: number, rows?: number): void {
    const t = { pipeline: tags.pipeline, region: tags.region, outcome };
    this.client.increment(METRIC.runs, 1, t);
    this.client.timing(METRIC.runDuration, durationMs, t);
    if (rows !== undefined) this.client.histogram(METRIC.runRows, rows, { pipeline: tags.pipeline, region: tags.region });
  }

  targets(t: PipelineTargets): void {
    const tags = { pipeline: t.pipeline, region: t.region };
    this.client.gauge(METRIC.sloFreshness, t.freshnessSloSeconds, tags);
    if (t.scheduleGapSeconds !== null) this.client.gauge(METRIC.scheduleGap, t.scheduleGapSeconds, tags);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.client.close(() => resolve()));
  }
}
