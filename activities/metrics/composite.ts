// Sends every metric to each backend (statsd and Prometheus side by side). One failing backend
// never stops the others, nor the pipeline.
import type { BatchCounts, ConnectorTags, MetricTags, PartitionTags, PipelineMetrics, PipelineTargets, RunOutcome, RunTags, SlotTags } from './metrics.js';

export class CompositeMetrics implements PipelineMetrics {
  constructor(
    private readonly backends: PipelineMetrics[],
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  private each(fn: (m: PipelineMetrics) => void): void {
    for (const m of this.backends) {
      try {
        fn(m);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  batch(tags: MetricTags, counts: BatchCounts, durationMs: number): void {
    this.each((m) => m.batch(tags, counts, durationMs));
  }

  freshness(tags: MetricTags, seconds: number): void {
    this.each((m) => m.freshness(tags, seconds));
  }

  kafkaLag(tags: PartitionTags, messages: number, seconds?: number): void {
    this.each((m) => m.kafkaLag(tags, messages, seconds));
  }

  drift(tags: MetricTags, buckets: number): void {
    this.each((m) => m.drift(tags, buckets));
  }

  cdcSlot(tags: SlotTags, retainedWalBytes: number | undefined, active: boolean): void {
    this.each((m) => m.cdcSlot(tags, retainedWalBytes, active));
  }

  cdcConnector(tags: ConnectorTags, taskFailed: boolean): void {
    this.each((m) => m.cdcConnector(tags, taskFailed));
  }

  run(tags: RunTags, outcome: RunOutcome, durationMs: number, rows?: number): void {
    this.each((m) => m.run(tags, outcome, durationMs, rows));
  }

  targets(t: PipelineTargets): void {
    this.each((m) => m.targets(t));
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.backends.map((m) => m.close()));
  }
}
