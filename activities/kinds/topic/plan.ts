// Plans one run of a topic pipeline in one region: for every cell cluster of the region and every
// partition of the topic (new cells and new partitions included), exact offset ranges from the
// warehouse ledger's next offset to the partition's end. Returns references, never messages.
import { batchChunk, topicKeys } from '../../../names/stage-keys.js';
import type { TopicPipelineConfig } from '../../../config/schema.js';
import type { ActivityDeps } from '../../deps.js';
import type { TopicUnit } from '../../types.js';
import type { WarehouseDialect } from '../../warehouse/dialect.js';
import { roundRobin } from '../../../common/by-source.js';
import { planClusters } from '../offsets/cluster-plan.js';

/** A cluster that cannot be planned is reported to `onSourceError` (the others run) when given; else the plan fails. */
export async function planTopic(
  deps: ActivityDeps,
  warehouse: WarehouseDialect,
  p: TopicPipelineConfig,
  region: string,
  runId: string,
  onSourceError?: (source: string, err: unknown) => void,
): Promise<TopicUnit[]> {
  const options = { maxMessagesPerPartition: p.options.maxMessagesPerPartition, maxBatchesPerPartition: p.options.maxBatchesPerPartition, missingTopic: 'fail' as const };
  const units = await planClusters(
    deps,
    warehouse.readOffsets.bind(warehouse),
    p,
    region,
    options,
    (e, ranges) =>
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
    onSourceError,
  );
  // First batches of every partition first, clusters in turn: merges (in plan order per cluster)
  // start on every cluster while later batches extract.
  const chunkOf = (u: TopicUnit) => batchChunk(u.batchId) ?? 0;
  return roundRobin(units.sort((a, b) => chunkOf(a) - chunkOf(b)));
}
