// What the activities report after a merge: the batch's counts and duration, and how fresh the
// warehouse now is. Pure apart from the metrics sink, so it is unit-tested.
import type { MergeResult, ResultCounts, RowCounts, StagedBatch, WorkUnit } from '../types.js';
import type { MetricTags, PipelineMetrics } from './metrics.js';

export function unitTags(unit: WorkUnit): MetricTags {
  const cell = (unit as { cell?: unknown }).cell;
  return { pipeline: unit.pipeline, region: unit.region, source: unit.source, kind: unit.kind, ...(typeof cell === 'string' ? { cell } : {}) };
}

/** A merge result's counts as the batch metric takes them. */
export function batchCounts(r: ResultCounts): RowCounts {
  return { read: r.rowsRead, staged: r.rowsStaged, inserted: r.inserted, updated: r.updated, unchanged: r.unchanged, deleted: r.deleted, deduplicated: r.deduplicated, deadLettered: r.deadLettered };
}

/** Only ISO timestamps: a Kafka checkpoint is an offset, and Date.parse('12345') is the year 12345. */
function parseTime(s: string | null | undefined): number | undefined {
  if (!s || !/^\d{4}-\d{2}-\d{2}[T ]/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * After a committed merge: counters, duration (extraction start to commit) and freshness. The
 * warehouse is complete up to the checkpoint this merge wrote (a watermark), or up to the newest
 * message loaded (topics), or up to the moment the source was read. Topic batches also report
 * the partition's offset lag as planned, and its age in seconds (now minus the newest message
 * loaded; 0 when nothing is behind). A retried merge of a batch that had already committed
 * reports nothing, so counters are not doubled.
 */
export function reportMerge(metrics: PipelineMetrics, batch: StagedBatch, result: MergeResult, opts: { rewritesPast?: boolean; now?: number } = {}): void {
  const now = opts.now ?? Date.now();
  if (result.alreadyCommitted) return;
  const tags = unitTags(batch.unit);
  const extracted = parseTime(batch.extractedAt);
  const topic = result.topic;
  metrics.batch(
    tags,
    batchCounts(result),
    extracted === undefined ? 0 : Math.max(0, now - extracted),
  );
  // A backfill or repair batch re-writes the past: it says nothing about how fresh the pipeline is.
  if (opts.rewritesPast) return;
  const newest = parseTime(topic?.newestTimestamp ?? batch.topic?.newestTimestamp);
  const completeUpTo = parseTime(batch.unit.checkpoint) ?? newest ?? extracted;
  if (completeUpTo !== undefined) metrics.freshness(tags, Math.max(0, (now - completeUpTo) / 1000));
  if (topic) {
    const seconds = topic.offsetLag === 0 ? 0 : newest === undefined ? undefined : Math.max(0, (now - newest) / 1000);
    metrics.kafkaLag({ ...tags, topic: topic.topic, partition: topic.partition }, topic.offsetLag, seconds);
  }
}
