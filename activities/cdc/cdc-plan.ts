// Plans one run of a CDC pipeline in one region: per cell cluster of the region, one batch with
// an exact offset range for every partition of the Debezium topic, from the warehouse offsets
// ledger's next offset (the topic pipeline's ledger and planning) to the partition's end.
// One batch per cluster and run, so the partitions of a primary-key change are never split
// across batches merged out of order.
import { kafkaEndpoints, type KafkaEndpoint } from '../../config/resolve.js';
import type { CdcPipelineConfig } from '../../config/schema.js';
import type { ActivityDeps } from '../deps.js';
import { badInput } from '../errors.js';
import { openKafka, UnknownTopicError } from '../kafka/client.js';
import { planRanges } from '../kafka/offset-plan.js';
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
  return perCluster.flat();

  async function planCluster(e: KafkaEndpoint): Promise<CdcUnit[]> {
    const label = `pipeline ${p.name}, source ${e.id}`;
    const committed = await readOffsets({ pipeline: p.name, region, cell: e.cell, topic: p.topic });
    const kafka = await openKafka(e, deps.secrets);
    let bounds;
    try {
      bounds = await kafka.partitions(p.topic);
    } catch (err) {
      // Debezium creates its topic with the first event: no topic yet is nothing to apply yet.
      if (err instanceof UnknownTopicError) return [];
      throw new Error(`${label}: cannot read the partitions of topic "${p.topic}": ${(err as Error).message}`, { cause: err });
    } finally {
      await kafka.close().catch(() => undefined);
    }
    let ranges;
    try {
      ranges = planRanges(
        bounds.map((b) => ({ ...b, committed: committed.get(b.partition) ?? null })),
        p.options.maxMessagesPerPartition,
        1,
      );
    } catch (err) {
      throw badInput(`${label}: ${(err as Error).message}`);
    }
    if (ranges.length === 0) return [];
    return [
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
    ];
  }
}
