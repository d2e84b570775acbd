// Plans one run of a CDC pipeline in one region: per cell cluster of the region, up to
// maxBatchesPerRun batches of exact offset ranges over the partitions of the Debezium topic, from
// the warehouse offsets ledger's next offset (the topic pipeline's ledger and planning) on.
// A cluster's batches each cover every partition (its k-th range) and apply in order, so the
// partitions of a primary-key change are never merged out of order; a batch whose extract was
// cut before a key change ends the cluster's run there (cut-short.ts).
import { cdcKeys } from '../../../names/stage-keys.js';
import type { CdcPipelineConfig } from '../../../config/schema.js';
import { planClusters, type OffsetPlanRequest } from '../offsets/cluster-plan.js';
import type { PlannedRange } from '../offsets/offset-plan.js';
import type { CdcUnit } from '../../types.js';
import type { KindContext } from '../kind.js';
import { roundRobin } from '../../../common/by-source.js';
import { reportCaptureHealth } from '../../managed-cdc/report-health.js';

export async function planCdc(ctx: KindContext, p: CdcPipelineConfig, req: OffsetPlanRequest): Promise<CdcUnit[]> {
  const { region, runId } = req;
  // A managed pipeline's slot and connector gauges; reading them never holds the run back.
  if (p.managed) await reportCaptureHealth(ctx.deps, p.name, region).catch(() => undefined);
  // Debezium creates its topic with the first event: no topic yet is nothing to apply yet.
  const options = { maxMessagesPerPartition: p.options.maxMessagesPerPartition, maxBatchesPerPartition: p.options.maxBatchesPerRun, missingTopic: 'empty' as const };
  const perCluster = await planClusters(ctx, p, req, options, (e, ranges) => cdcBatches(p.name, p.topic, region, runId, e, ranges));
  return roundRobin(perCluster);
}

/** Batch k of a cluster holds the k-th range of every partition that has one: batches apply in order. */
export function cdcBatches(pipeline: string, topic: string, region: string, runId: string, e: { id: string; cell: string }, ranges: readonly PlannedRange[]): CdcUnit[] {
  const batches = Math.max(0, ...ranges.map((r) => r.chunk + 1));
  return [...Array(batches).keys()].map((k) => ({
    kind: 'cdc',
    pipeline,
    region,
    source: e.id,
    stream: topic,
    cell: e.cell,
    topic,
    ranges: ranges.filter((r) => r.chunk === k).map((r) => ({ partition: r.partition, from: r.from, to: r.to, committed: r.committed, endOffset: r.endOffset })),
    checkpoint: null,
    ...cdcKeys(pipeline, region, runId, e.cell, k),
  }));
}
