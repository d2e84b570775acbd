// Merges one staged topic batch (rows, dead letters and the partition's next offset in one
// warehouse transaction), then mirrors the new offset into the pipeline's consumer group.
import { log } from '@temporalio/activity';
import type { TopicPipelineConfig } from '../../../config/schema.js';
import type { ActivityDeps } from '../../deps.js';
import { reportMerge } from '../../metrics/report.js';
import type { MergeResult, StagedBatch, TopicUnit } from '../../types.js';
import type { WarehouseDialect } from '../../warehouse/dialect.js';
import { commitConsumerGroup } from '../../sources/kafka/consumer-group.js';
import { topicMergeSpec } from '../../sources/kafka/topic-columns.js';

export async function mergeTopic(deps: ActivityDeps, warehouse: WarehouseDialect, p: TopicPipelineConfig, batch: StagedBatch & { unit: TopicUnit }): Promise<MergeResult> {
  const { unit } = batch;
  const result = await warehouse.mergeTopic(batch, topicMergeSpec(deps.config, p));
  reportMerge(deps.metrics, batch, result);
  try {
    await commitConsumerGroup(deps, unit, result.topic?.nextOffset ?? unit.to);
  } catch (err) {
    log.warn('consumer group offset not committed (the warehouse ledger is the truth; Kafka tools show stale lag)', {
      pipeline: p.name,
      source: unit.source,
      partition: unit.partition,
      error: (err as Error).message,
    });
  }
  return result;
}
