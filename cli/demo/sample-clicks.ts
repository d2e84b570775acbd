// Sample messages for the demo's topic pipeline: JSON clicks produced to the `clicks` topic of
// every cell cluster, with one poison message (not JSON) in every 500, so dead letters show up.
// Produced with @platformatic/kafka, the client Tributary reads with (partitioned by key as Java
// clients do).
import { Admin, compatibilityPartitioner, ListOffsetTimestamps, ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';

const PARTITIONS = 4;
const POISON_EVERY = 500;

const client = (brokers: string[]) => ({ clientId: 'tributary-demo', bootstrapBrokers: brokers });

async function withAdmin<T>(brokers: string[], fn: (a: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin(client(brokers));
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** Creates the topic if it is missing. */
export async function ensureTopic(brokers: string[], topic: string): Promise<void> {
  await withAdmin(brokers, async (admin) => {
    if (!(await admin.listTopics()).includes(topic)) await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
  });
}

/** Sends `count` clicks (deterministic content; every POISON_EVERY-th is not JSON); returns how many were poison. */
export async function produceClicks(brokers: string[], topic: string, cell: string, count: number, firstId: number): Promise<number> {
  const producer = new Producer({ ...client(brokers), serializers: stringSerializers, partitioner: compatibilityPartitioner, acks: ProduceAcks.ALL, autocreateTopics: false });
  let poison = 0;
  try {
    const messages = Array.from({ length: count }, (_, i) => {
      const id = firstId + i;
      if (id % POISON_EVERY === 0) {
        poison++;
        return { topic, key: String(id), value: `not json: click ${id}` };
      }
      const at = new Date(Date.UTC(2026, 10, 27, 12, 0, 0) + id * 1000).toISOString();
      return { topic, key: String(id), value: JSON.stringify({ id, user: { id: 1 + (id % 97), name: `user ${id % 97}` }, page: `/products/${id % 13}`, cell, at }) };
    });
    for (let i = 0; i < messages.length; i += 1000) await producer.send({ messages: messages.slice(i, i + 1000) });
  } finally {
    await producer.close();
  }
  return poison;
}

/** Messages in the topic (sum of its partitions' end minus start offsets; the demo never deletes any). */
export async function topicMessages(brokers: string[], topic: string): Promise<number> {
  return withAdmin(brokers, async (admin) => {
    const count = (await admin.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic)!.partitionsCount;
    const ask = (timestamp: bigint) => admin.listOffsets({ topics: [{ name: topic, partitions: [...Array(count).keys()].map((p) => ({ partitionIndex: p, timestamp })) }] });
    const [low, high] = await Promise.all([ask(ListOffsetTimestamps.EARLIEST), ask(ListOffsetTimestamps.LATEST)]);
    const sum = (r: Awaited<ReturnType<typeof ask>>) => r[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
    return sum(high) - sum(low);
  });
}
