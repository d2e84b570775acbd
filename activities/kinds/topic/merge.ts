// Merges one staged topic batch (rows, dead letters and the partition's next offset in one
// warehouse transaction), then mirrors the new offset into the pipeline's consumer group.
import { log } from '@temporalio/activity';
import type { TopicPipelineConfig } from '../../../config/schema.js';
import type { ActivityDeps } from '../../deps.js';
import { badInput } from '../../errors.js';
import { reportMerge } from '../../metrics/report.js';
import type { MergeResult, StagedBatch, TopicUnit } from '../../types.js';
import type { WarehouseDialect } from '../../warehouse/dialect.js';
import { commitConsumerGroup } from '../../sources/kafka/consumer-group.js';
import { topicMergeSpec } from '../../sources/kafka/topic-columns.js';

export async function mergeTopic(deps: ActivityDeps, warehouse: WarehouseDialect, p: TopicPipelineConfig, batch: StagedBatch & { unit: TopicUnit }): Promise<MergeResult> {
  const { unit, topic } = batch;
  if (!topic) throw badInput(`pipeline ${p.name}, source ${unit.source}: batch ${unit.batchId} carries no topic counts, so it is not a topic batch`);
  const result = await warehouse.mergeTopic({ ...batch, topic }, topicMergeSpec(deps.config, p));
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
