// Plans one run of a topic pipeline in one region: for every cell cluster of the region and every
// partition of the topic (new cells and new partitions included), exact offset ranges from the
// warehouse ledger's next offset to the partition's end. Returns references, never messages.
import { batchChunk, topicKeys } from '../../../names/stage-keys.js';
import type { TopicPipelineConfig } from '../../../config/schema.js';
import type { TopicUnit } from '../../types.js';
import type { KindContext } from '../kind.js';
import { roundRobin } from '../../../common/by-source.js';
import { planClusters, type OffsetPlanRequest } from '../offsets/cluster-plan.js';

export async function planTopic(ctx: KindContext, p: TopicPipelineConfig, req: OffsetPlanRequest): Promise<TopicUnit[]> {
  const { region, runId } = req;
  const options = { maxMessagesPerPartition: p.options.maxMessagesPerPartition, maxBatchesPerPartition: p.options.maxBatchesPerPartition, missingTopic: 'fail' as const };
  const units = await planClusters(ctx, p, req, options, (e, ranges) =>
    ranges.map(
      (r): TopicUnit => ({
        kind: 'topic',
        pipeline: p.name,
        region,
        source: e.id,
        stream: p.topic,
        cell: e.cell,
        topic: p.topic,
        partition: r.partition,
        from: r.from,
        to: r.to,
        committed: r.committed,
        endOffset: r.endOffset,
        checkpoint: null,
        ...topicKeys(p.name, region, runId, e.cell, r.partition, r.chunk),
      }),
    ),
  );
  // First batches of every partition first, clusters in turn: merges (in plan order per cluster)
  // start on every cluster while later batches extract.
  const chunkOf = (u: TopicUnit) => batchChunk(u.batchId) ?? 0;
  return roundRobin(units.sort((a, b) => chunkOf(a) - chunkOf(b)));
}
