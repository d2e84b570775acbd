// Plans one run of a CDC pipeline in one region: per cell cluster of the region, one batch with
// an exact offset range for every partition of the Debezium topic, from the warehouse offsets
// ledger's next offset (the topic pipeline's ledger and planning) to the partition's end.
// One batch per cluster and run, so the partitions of a primary-key change are never split
// across batches merged out of order.
import type { CdcPipelineConfig } from '../../config/schema.js';
import type { ActivityDeps } from '../deps.js';
import { badInput } from '../errors.js';
import { planClusters } from '../kafka/cluster-plan.js';
import type { CdcUnit } from '../types.js';
import type { WarehouseDialect } from '../warehouse/dialect.js';

export async function planCdc(
  deps: ActivityDeps,
  warehouse: WarehouseDialect,
  p: CdcPipelineConfig,
  region: string,
  runId: string,
  onSourceError?: (source: string, err: unknown) => void,
): Promise<CdcUnit[]> {
  if (!warehouse.readOffsets || !warehouse.mergeCdc) throw badInput(`pipeline ${p.name}: the ${deps.config.warehouse.type} warehouse cannot apply CDC pipelines yet`);
  // Debezium creates its topic with the first event: no topic yet is nothing to apply yet.
  const options = { maxMessagesPerPartition: p.options.maxMessagesPerPartition, maxBatchesPerPartition: 1, missingTopic: 'empty' as const };
  return planClusters(
    deps,
    warehouse.readOffsets.bind(warehouse),
    p,
    region,
    options,
    (e, ranges): CdcUnit[] =>
      ranges.length === 0
        ? []
        : [
            {
              kind: 'cdc',
              pipeline: p.name,
              region,
              source: e.id,
              stream: p.topic,
              cell: e.cell,
              topic: p.topic,
              ranges: ranges.map((r) => ({ partition: r.partition, from: r.from, to: r.to, committed: r.committed, endOffset: r.endOffset })),
              checkpoint: null,
              batchId: `${runId}:${e.cell}`,
              stagePrefix: `${p.name}/${region}/${runId}/${e.cell}`,
            },
          ],
    onSourceError,
  );
}
