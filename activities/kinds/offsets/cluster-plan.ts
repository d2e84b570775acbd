// Planning shared by the Kafka-fed kinds (topic and CDC): per cell cluster of the region, the
// warehouse ledger's next offsets and the topic's partitions become exact offset ranges. A
// cluster that cannot be planned is reported to `onSourceError` (the others run) when given;
// else the plan fails. A warehouse that cannot be read fails the plan, which Temporal retries.
import { kafkaEndpoints, type KafkaEndpoint } from '../../../config/resolve.js';
import { badInput } from '../../errors.js';
import type { KindContext, PlanRequest } from '../kind.js';
import { openKafka, UnknownTopicError } from '../../sources/kafka/client.js';
import { planRanges, type PlannedRange } from './offset-plan.js';
import { planSource } from '../plan-source.js';

export interface ClusterPlanOptions {
  maxMessagesPerPartition: number;
  maxBatchesPerPartition: number;
  /** A topic the cluster does not have: bad input (topic pipelines), or nothing to do yet (Debezium creates its topic with the first event). */
  missingTopic: 'fail' | 'empty';
}

/** What planning a Kafka-fed kind's run takes: without `onSourceError`, a cluster that cannot be planned fails the plan. */
export type OffsetPlanRequest = Pick<PlanRequest, 'region' | 'runId'> & Partial<Pick<PlanRequest, 'onSourceError'>>;

export async function planClusters<U>(
  { deps, warehouse }: KindContext,
  p: { name: string; source: string; topic: string },
  { region, onSourceError }: OffsetPlanRequest,
  options: ClusterPlanOptions,
  toUnits: (e: KafkaEndpoint, ranges: PlannedRange[]) => U[],
): Promise<U[]> {
  const endpoints = kafkaEndpoints(deps.config, p.source, region);
  // The warehouse is not a source: if it cannot be read, planning fails as a whole and is retried.
  const committed = await Promise.all(endpoints.map((e) => warehouse.readOffsets({ pipeline: p.name, region, cell: e.cell, topic: p.topic })));
  const perCluster = await Promise.all(
    endpoints.map(async (e, i) => {
      const result = await planSource(e.id, async () => toUnits(e, await planCluster(e, committed[i]!)), onSourceError);
      return result?.planned ?? [];
    }),
  );
  return perCluster.flat();

  async function planCluster(e: KafkaEndpoint, committed: Map<number, number>): Promise<PlannedRange[]> {
    const label = `pipeline ${p.name}, source ${e.id}`;
    const kafka = await openKafka(e, deps.secrets);
    let bounds;
    try {
      bounds = await kafka.partitions(p.topic);
    } catch (err) {
      if (err instanceof UnknownTopicError) {
        if (options.missingTopic === 'empty') return [];
        throw badInput(`${label}: topic "${p.topic}" does not exist on the cluster (${e.brokers.join(', ')})`);
      }
      throw new Error(`${label}: cannot read the partitions of topic "${p.topic}": ${(err as Error).message}`, { cause: err });
    } finally {
      await kafka.close().catch(() => undefined);
    }
    try {
      return planRanges(
        bounds.map((b) => ({ ...b, committed: committed.get(b.partition) ?? null })),
        options.maxMessagesPerPartition,
        options.maxBatchesPerPartition,
      );
    } catch (err) {
      throw badInput(`${label}: ${(err as Error).message}`);
    }
  }
}
