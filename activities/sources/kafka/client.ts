// The one place that knows which Kafka library Tributary uses (@platformatic/kafka: chosen on
// bench/results/kafka-clients.json and on maintenance). It reads exact offset ranges with plain
// fetch requests: no consumer group is joined, so no rebalance and no auto-commit can move what
// a batch reads; the warehouse ledger alone says where a partition stands.
import { Admin, Consumer, FetchIsolationLevels, ListOffsetTimestamps } from '@platformatic/kafka';
import type { KafkaEndpoint } from '../../../config/resolve.js';
import type { SecretProvider } from '../../secrets/provider.js';
import { tlsMaterial } from '../../secrets/tls.js';
import { openWithSecretRefresh } from './auth-failure.js';
import { kafkaConnectionOptions, wantsTls, type KafkaConnectionOptions } from './connection-options.js';
import { explainCertificateFailure } from './tls-failure.js';
import { messagesInRange } from './fetched-records.js';

/** The offsets a partition holds now: [start, end). `end` is the last stable offset (committed transactions only). */
export interface PartitionBounds {
  partition: number;
  start: number;
  end: number;
}

import type { KafkaMessage } from './message.js';

export type { KafkaMessage } from './message.js';

export interface KafkaSource {
  /** Every partition of the topic with its bounds; partitions added since the last call are included. */
  partitions(topic: string): Promise<PartitionBounds[]>;
  /**
   * Reads offsets [from, to) of one partition in order, handing over one fetched batch at a time.
   * Offsets missing in the range (compaction, transaction markers) are simply not there.
   */
  readRange(topic: string, partition: number, from: number, to: number, onMessages: (batch: KafkaMessage[]) => Promise<void> | void, signal?: AbortSignal): Promise<void>;
  /** Sets a consumer group's committed offsets (for Kafka's own lag tools; never read back). */
  commitGroupOffsets(groupId: string, topic: string, offsets: { partition: number; offset: number }[]): Promise<void>;
  close(): Promise<void>;
}

export class UnknownTopicError extends Error {}

// One partition per fetch, about 1 MB (a larger first record batch still comes whole). The client
// keeps a response as the socket's chunks and finds each field by walking them from the first, so
// decoding costs grow with the response: 1 MB took a third of the CPU per message that 8 MB did.
const PARTITION_MAX_BYTES = 1024 * 1024;
const FETCH_MAX_BYTES = PARTITION_MAX_BYTES;

function toNumber(n: bigint, what: string): number {
  const v = Number(n);
  if (!Number.isSafeInteger(v)) throw new Error(`${what} ${n} is beyond the exact range of a number`);
  return v;
}

/** TLS and SASL from the cluster's config and secret (see connection-options.ts). */
async function connectionOptions(e: KafkaEndpoint, secrets: SecretProvider): Promise<KafkaConnectionOptions> {
  const cred = e.secret ? await secrets.get(e.secret) : undefined;
  const material = wantsTls(e, cred) ? await tlsMaterial(`Kafka cluster ${e.id}`, e.tls, e.secret, cred) : undefined;
  return kafkaConnectionOptions(e, cred, material);
}

/**
 * Connects (a metadata request, so a refused SASL login shows here) and returns the source. On an
 * authentication failure the secret is fetched again once: a rotated password needs no restart.
 */
export async function openKafka(e: KafkaEndpoint, secrets: SecretProvider, clientId = 'tributary'): Promise<KafkaSource> {
  return openWithSecretRefresh(e.id, e.secret, secrets, async () => {
    const base = { clientId, bootstrapBrokers: e.brokers, retries: 5, retryDelay: 500, ...(await connectionOptions(e, secrets)) };
    // groupId is required by the class but no group is ever joined: only fetch and metadata are used.
    const consumer = new Consumer({ ...base, groupId: `${clientId}-reader`, isolationLevel: FetchIsolationLevels.READ_COMMITTED });
    try {
      await consumer.metadata({ topics: [], forceUpdate: true });
    } catch (err) {
      await consumer.close().catch(() => undefined);
      throw explainCertificateFailure(e.id, err);
    }
    return kafkaSource(e, base, consumer);
  });
}

function kafkaSource(e: KafkaEndpoint, base: ConstructorParameters<typeof Admin>[0], consumer: Consumer): KafkaSource {
  let admin: Admin | undefined;
  const adminClient = () => (admin ??= new Admin(base));

  async function topicMetadata(topic: string, forceUpdate = false) {
    const md = await consumer.metadata({ topics: [topic], forceUpdate });
    const t = md.topics.get(topic);
    if (!t) throw new UnknownTopicError(`topic "${topic}" does not exist on cluster ${e.id}`);
    return t;
  }

  return {
    async partitions(topic) {
      // Asked first: a metadata request for a missing topic is retried by the client for seconds
      // (retries x retryDelay), and Debezium's topics are missing until their first event.
      if (!(await adminClient().listTopics({ includeInternals: true })).includes(topic)) {
        throw new UnknownTopicError(`topic "${topic}" does not exist on cluster ${e.id}`);
      }
      let md;
      try {
        md = await topicMetadata(topic, true);
      } catch (err) {
        if (err instanceof UnknownTopicError || /unknown.?topic|does not exist/i.test(String((err as Error).message) + String(JSON.stringify((err as { errors?: unknown }).errors ?? '')))) {
          throw new UnknownTopicError(`topic "${topic}" does not exist on cluster ${e.id}`, { cause: err });
        }
        throw err;
      }
      const partitions = [...Array(md.partitionsCount).keys()];
      const ask = (timestamp: bigint) => adminClient().listOffsets({ topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, timestamp })) }], isolationLevel: FetchIsolationLevels.READ_COMMITTED });
      const [earliest, latest] = await Promise.all([ask(ListOffsetTimestamps.EARLIEST), ask(ListOffsetTimestamps.LATEST)]);
      const startOf = new Map(earliest[0]!.partitions.map((p) => [p.partitionIndex, toNumber(p.offset, 'offset')]));
      return latest[0]!.partitions
        .map((p) => ({ partition: p.partitionIndex, start: startOf.get(p.partitionIndex) ?? 0, end: toNumber(p.offset, 'offset') }))
        .sort((a, b) => a.partition - b.partition);
    },

    async readRange(topic, partition, from, to, onMessages, signal) {
      let next = from;
      let forceMetadata = false;
      const fetchAt = async (offset: number) => {
        const md = await topicMetadata(topic, forceMetadata);
        const leader = md.partitions[partition]?.leader;
        if (leader === undefined) throw new Error(`partition ${partition} of topic "${topic}" is not on cluster ${e.id}`);
        const res = await consumer.fetch({
          node: leader,
          maxWaitTime: 500,
          minBytes: 1,
          maxBytes: FETCH_MAX_BYTES,
          topics: [{ topicId: md.id, partitions: [{ partition, fetchOffset: BigInt(offset), currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: PARTITION_MAX_BYTES }] }],
        });
        const p = res.responses[0]?.partitions[0];
        if (!p) throw new Error(`cluster ${e.id}: empty fetch response for ${topic}/${partition}`);
        return p;
      };
      // The fetch after the one being handed over, asked for before the hand-over (double buffering).
      let ahead: ReturnType<typeof fetchAt> | null = null;
      while (next < to) {
        signal?.throwIfAborted();
        const p = await (ahead ?? fetchAt(next));
        ahead = null;
        if (p.errorCode !== 0) {
          // Leadership moved (a broker restarted): refresh metadata and ask the new leader.
          if (p.errorCode === 6 || p.errorCode === 74 || p.errorCode === 75) {
            forceMetadata = true;
            await new Promise((r) => setTimeout(r, 500));
            continue;
          }
          const why = p.errorCode === 1 ? `offset ${next} is out of range (log starts at ${p.logStartOffset}, ends at ${p.highWatermark})` : `error code ${p.errorCode}`;
          throw new Error(`cluster ${e.id}: fetch of ${topic}/${partition} at ${next} failed: ${why}`);
        }
        forceMetadata = false;
        const { messages, after } = messagesInRange(p.records ?? [], partition, next, to);
        if (after === next) {
          // Nothing came back below the planned end: the range was planned from the end offset, so it must exist.
          if (p.lastStableOffset <= BigInt(next) && p.highWatermark <= BigInt(next)) {
            throw new Error(`cluster ${e.id}: ${topic}/${partition} ends at ${p.highWatermark}, below the planned range end ${to} (was the topic recreated?)`);
          }
          continue;
        }
        next = after;
        if (next < to) {
          ahead = fetchAt(next);
          // Settled in the next round; if the hand-over fails first, the range is given up and so is this fetch.
          ahead.catch(() => undefined);
        }
        if (messages.length > 0) await onMessages(messages);
      }
    },

    async commitGroupOffsets(groupId, topic, offsets) {
      await adminClient().alterConsumerGroupOffsets({
        groupId,
        topics: [{ name: topic, partitionOffsets: offsets.map((o) => ({ partition: o.partition, offset: BigInt(o.offset) })) }],
      });
    },

    async close() {
      await consumer.close();
      if (admin) await admin.close();
    },
  };
}

/**
 * Creates the topics of `topics` the cluster lacks, with `partitions` partitions and the broker's
 * default replication; returns the ones it created. A topic another client created meanwhile is
 * not an error.
 */
export async function createMissingTopics(e: KafkaEndpoint, secrets: SecretProvider, topics: readonly string[], partitions: number): Promise<string[]> {
  const admin = new Admin({ clientId: 'tributary-admin', bootstrapBrokers: e.brokers, retries: 5, retryDelay: 500, ...(await connectionOptions(e, secrets)) });
  try {
    const there = new Set(await admin.listTopics({ includeInternals: false }));
    const missing = topics.filter((t) => !there.has(t));
    const created: string[] = [];
    for (const topic of missing) {
      try {
        await admin.createTopics({ topics: [topic], partitions, replicas: -1 });
        created.push(topic);
      } catch (err) {
        if (!/already exists/i.test(String((err as Error).message) + JSON.stringify((err as { errors?: unknown }).errors ?? ''))) throw err;
      }
    }
    return created;
  } finally {
    await admin.close().catch(() => undefined);
  }
}
