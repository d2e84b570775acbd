// Verify a topic pipeline in one region: per cell cluster and partition, the offsets the ledger
// says are applied ([log start, next offset)) read again from the topic and compared with the
// target's rows and the dead letters of that range (offset-compare.ts). The target is read on
// warehouse's side (reconcile/warehouse-side.ts). Offsets not applied yet are counted as pending. No repair: a missing
// offset is re-loaded by a replay or a reset of the ledger (docs/topics.md).
import { kafkaEndpoints, targetTable } from '../../../config/resolve.js';
import type { TopicPipelineConfig } from '../../../config/schema.js';
import type { ActivityDeps } from '../../deps.js';
import { badInput } from '../../errors.js';
import { withWarehouseSide } from '../../reconcile/warehouse-side.js';
import { openKafka, UnknownTopicError } from '../../sources/kafka/client.js';
import { compileMapping, mapMessage } from '../../sources/kafka/map-message.js';
import type { BucketDrift, SourceVerify, VerifyInput, VerifyReport } from '../../types.js';
import type { WarehouseDialect } from '../../warehouse/dialect.js';
import { comparePartition, type PartitionComparison, type TopicOffset } from './offset-compare.js';

/** Offsets listed per partition in the report; the counts say how many there are in all. */
const LISTED = 100;

export async function verifyTopic(deps: ActivityDeps, warehouse: WarehouseDialect, p: TopicPipelineConfig, input: VerifyInput): Promise<VerifyReport> {
  const endpoints = kafkaEndpoints(deps.config, p.source, input.region).filter((e) => input.source === undefined || e.id === input.source);
  if (endpoints.length === 0) throw badInput(`pipeline ${p.name}: no cluster of source ${p.source} in region ${input.region}${input.source ? ` named ${input.source}` : ''}`);
  const [schema, table] = targetTable(deps.config, p);
  const mapping = compileMapping(p);
  const keyAt = (p.key ?? []).map((k) => p.columns.findIndex((c) => c.name === k));
  const sources: SourceVerify[] = [];
  for (const e of endpoints) {
    const label = `pipeline ${p.name}, region ${input.region}, source ${e.id}, topic ${p.topic}`;
    const applied = await warehouse.readOffsets({ pipeline: p.name, region: input.region, cell: e.cell, topic: p.topic });
    const kafka = await openKafka(e, deps.secrets, 'tributary-verify');
    const partitions: PartitionComparison[] = [];
    let pending = 0;
    try {
      let bounds;
      try {
        bounds = await kafka.partitions(p.topic);
      } catch (err) {
        if (err instanceof UnknownTopicError) throw badInput(`${label}: the topic does not exist on the cluster`);
        throw err;
      }
      await withWarehouseSide(deps, async (dst) => {
        for (const b of bounds) {
          const to = applied.get(b.partition) ?? b.start;
          pending += Math.max(0, b.end - to);
          const from = b.start;
          if (to <= from) continue;
          const topic: TopicOffset[] = [];
          await kafka.readRange(p.topic, b.partition, from, to, (batch) => {
            for (const m of batch) {
              let key: string | null = null;
              if (keyAt.length > 0) {
                const mapped = mapMessage(m.value, mapping);
                if (mapped.ok) key = JSON.stringify(keyAt.map((i) => mapped.values[i]));
              }
              topic.push({ offset: m.offset, key });
            }
          });
          const range = { source: e.id, partition: b.partition, from, to };
          const rows = await dst.targetOffsets({ schema, table }, range);
          const dead = await dst.deadLetterOffsets(p.name, p.topic, range);
          partitions.push(comparePartition(b.partition, from, to, topic, rows, dead));
        }
      });
    } finally {
      await kafka.close().catch(() => undefined);
    }
    const drifted: BucketDrift[] = partitions
      .filter((c) => c.missing.length + c.extra.length > 0)
      .map((c) => ({ bucket: c.partition, sourceRows: c.expected, warehouseRows: c.warehouseRows + c.deadLetters, missing: c.missing.length, extra: c.extra.length, changed: 0 }));
    sources.push({
      source: e.id,
      cutoff: null,
      sourceRows: partitions.reduce((n, c) => n + c.expected, 0),
      warehouseRows: partitions.reduce((n, c) => n + c.warehouseRows + c.deadLetters, 0),
      bucketsCompared: partitions.length,
      drifted,
      pending,
      offsets: partitions.map((c) => ({ ...c, missing: c.missing.slice(0, LISTED), extra: c.extra.slice(0, LISTED) })),
    });
    deps.metrics.drift({ pipeline: p.name, region: input.region, cell: e.cell, source: e.id, kind: p.kind }, drifted.length);
  }
  return { pipeline: p.name, region: input.region, kind: p.kind, repairable: false, buckets: input.buckets, sources, driftedBuckets: sources.reduce((n, s) => n + s.drifted.length, 0) };
}
