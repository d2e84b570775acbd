// Plans one run of a topic pipeline in one region: for every cell cluster of the region and every
// partition of the topic (new cells and new partitions included), exact offset ranges from the
// warehouse ledger's next offset to the partition's end. Returns references, never messages.
import { kafkaEndpoints, type KafkaEndpoint } from '../../config/resolve.js';
import type { TopicPipelineConfig } from '../../config/schema.js';
import type { ActivityDeps } from '../deps.js';
import { badInput } from '../errors.js';
import type { TopicUnit } from '../types.js';
import type { WarehouseDialect } from '../warehouse/dialect.js';
import { openKafka, UnknownTopicError } from './client.js';
import { planRanges } from './offset-plan.js';

/** A cluster that cannot be planned is reported to `onSourceError` (the others run) when given; else the plan fails. */
export async function planTopic(
  deps: ActivityDeps,
  warehouse: WarehouseDialect,
  p: TopicPipelineConfig,
  region: string,
  runId: string,
  onSourceError?: (source: string, err: unknown) => void,
): Promise<TopicUnit[]> {
  if (!warehouse.readOffsets) throw badInput(`pipeline ${p.name}: the ${deps.config.warehouse.type} warehouse cannot load topic pipelines yet`);
  const readOffsets = warehouse.readOffsets.bind(warehouse);
  const perCluster = await Promise.all(
    kafkaEndpoints(deps.config, p.source, region).map(async (e) => {
      try {
        return await planCluster(e);
      } catch (err) {
        if (!onSourceError) throw err;
        onSourceError(e.id, err);
        return [];
      }
    }),
  );
  // First batches of every partition first: merges (one at a time, in plan order) start while later ones extract.
  const chunkOf = (u: TopicUnit) => Number(u.batchId.slice(u.batchId.lastIndexOf(':') + 1));
  return perCluster.flat().sort((a, b) => chunkOf(a) - chunkOf(b));

  async function planCluster(e: KafkaEndpoint): Promise<TopicUnit[]> {
    const label = `pipeline ${p.name}, source ${e.id}`;
    const committed = await readOffsets({ pipeline: p.name, region, cell: e.cell, topic: p.topic });
    const kafka = await openKafka(e, deps.secrets);
    let bounds;
    try {
      bounds = await kafka.partitions(p.topic);
    } catch (err) {
      if (err instanceof UnknownTopicError) throw badInput(`${label}: topic "${p.topic}" does not exist on the cluster (${e.brokers.join(', ')})`);
      throw new Error(`${label}: cannot read the partitions of topic "${p.topic}": ${(err as Error).message}`, { cause: err });
    } finally {
      await kafka.close().catch(() => undefined);
    }
    let ranges;
    try {
      ranges = planRanges(
        bounds.map((b) => ({ ...b, committed: committed.get(b.partition) ?? null })),
        p.options.maxMessagesPerPartition,
        p.options.maxBatchesPerPartition,
      );
    } catch (err) {
      throw badInput(`${label}: ${(err as Error).message}`);
    }
    return ranges.map(
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
        batchId: `${runId}:${e.cell}:${r.partition}:${r.chunk}`,
        stagePrefix: `${p.name}/${region}/${runId}/${e.cell}-${r.partition}-${r.chunk}`,
      }),
    );
  }
}
