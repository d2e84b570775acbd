// After a topic batch merges, its next offset is also committed to a consumer group, so Kafka's
// own tools (kafka-consumer-groups, lag exporters) show where the pipeline stands. Best effort:
// the warehouse ledger is the truth and this group is never read back.
import { consumerGroupId } from '../../../names/kafka-groups.js';
import { kafkaEndpoints } from '../../../config/resolve.js';
import type { ActivityDeps } from '../../deps.js';
import type { TopicUnit } from '../../types.js';
import { openKafka } from './client.js';

export async function commitConsumerGroup(deps: ActivityDeps, unit: TopicUnit, nextOffset: number): Promise<void> {
  const endpoint = kafkaEndpoints(deps.config, deps.config.pipelines.find((p) => p.name === unit.pipeline)!.source, unit.region).find((e) => e.id === unit.source);
  if (!endpoint) return;
  const kafka = await openKafka(endpoint, deps.secrets);
  try {
    await kafka.commitGroupOffsets(consumerGroupId(deps.config, unit.pipeline), unit.topic, [{ partition: unit.partition, offset: nextOffset }]);
  } finally {
    await kafka.close().catch(() => undefined);
  }
}
