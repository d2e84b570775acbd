// Merges one staged topic batch (rows, dead letters and the partition's next offset in one
// warehouse transaction), then mirrors the new offset into the pipeline's consumer group.
import { log } from '@temporalio/activity';
import { findPipeline } from '../../config/resolve.js';
import type { ActivityDeps } from '../deps.js';
import { badInput } from '../errors.js';
import type { MergeResult, StagedBatch } from '../types.js';
import type { WarehouseDialect } from '../warehouse/dialect.js';
import { commitConsumerGroup } from './consumer-group.js';
import { topicMergeSpec } from './topic-columns.js';

export async function mergeTopic(deps: ActivityDeps, warehouse: WarehouseDialect, batch: StagedBatch): Promise<MergeResult> {
  const { unit } = batch;
  const p = findPipeline(deps.config, unit.pipeline);
  if (p.kind !== 'topic' || unit.kind !== 'topic') throw badInput(`pipeline ${unit.pipeline} is a ${p.kind} pipeline now, but this batch was staged as ${unit.kind}`);
  if (!warehouse.mergeTopic) throw badInput(`pipeline ${p.name}: the ${deps.config.warehouse.type} warehouse cannot load topic pipelines yet`);
  const result = await warehouse.mergeTopic(batch, topicMergeSpec(deps.config, p));
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
