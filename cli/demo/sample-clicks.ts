// Sample messages for the demo's topic pipeline: JSON clicks produced to the `clicks` topic of
// every cell cluster, with one poison message (not JSON) in every 500, so dead letters show up.
// Produced with kafkajs, a different client from the one Tributary reads with.
import { Kafka, logLevel, Partitioners } from 'kafkajs';

const PARTITIONS = 4;
const POISON_EVERY = 500;

function kafka(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'tributary-demo', brokers, logLevel: logLevel.NOTHING });
}

/** Creates the topic if it is missing. */
export async function ensureTopic(brokers: string[], topic: string): Promise<void> {
  const admin = kafka(brokers).admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) {
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
    }
  } finally {
    await admin.disconnect();
  }
}

/** Sends `count` clicks (deterministic content; every POISON_EVERY-th is not JSON); returns how many were poison. */
export async function produceClicks(brokers: string[], topic: string, cell: string, count: number, firstId: number): Promise<number> {
  const producer = kafka(brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let poison = 0;
  try {
    const messages = Array.from({ length: count }, (_, i) => {
      const id = firstId + i;
      if (id % POISON_EVERY === 0) {
        poison++;
        return { key: String(id), value: `not json: click ${id}` };
      }
      const at = new Date(Date.UTC(2026, 10, 27, 12, 0, 0) + id * 1000).toISOString();
      return { key: String(id), value: JSON.stringify({ id, user: { id: 1 + (id % 97), name: `user ${id % 97}` }, page: `/products/${id % 13}`, cell, at }) };
    });
    for (let i = 0; i < messages.length; i += 1000) await producer.send({ topic, messages: messages.slice(i, i + 1000) });
  } finally {
    await producer.disconnect();
  }
  return poison;
}

/** Messages in the topic (sum of its partitions' end offsets; the demo never deletes any). */
export async function topicMessages(brokers: string[], topic: string): Promise<number> {
  const admin = kafka(brokers).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}
