// DogStatsD (Datadog) through hot-shots: counters per row kind, a timer per batch, gauges for
// freshness, Kafka lag and drift. Every dimension is a tag. Datagrams are buffered a little
// (under one MTU) so a batch's numbers travel in one packet.
import StatsD from 'hot-shots';
import { METRIC, type BatchCounts, type MetricTags, type PartitionTags, type PipelineMetrics } from './metrics.js';
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
        globalTags: opts.tags ?? {},
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

  close(): Promise<void> {
    return new Promise((resolve) => this.client.close(() => resolve()));
  }
}
