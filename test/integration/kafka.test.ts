// Each of the three local Kafka clusters (us/cell-1, us/cell-2, eu/cell-1) takes a message and
// gives exactly it back from an explicit partition and offset.
import { describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { STACK, uniqueName } from './stack.js';

describe.each(Object.entries(STACK.kafka))('kafka cluster %s', (cell, broker) => {
  it('produces and consumes a message at a known offset', async () => {
    const kafka = new Kafka({ clientId: 'tributary-test', brokers: [broker], logLevel: logLevel.NOTHING });
    const topic = uniqueName('test_topic');
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      const sent = await producer.send({ topic, messages: [{ partition: 1, key: cell, value: JSON.stringify({ cell, n: 1 }) }] });
      await producer.disconnect();
      expect(sent[0]!.baseOffset).toBe('0');

      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.find((o) => o.partition === 1)!.high).toBe('1');

      const consumer = kafka.consumer({ groupId: uniqueName('test_group') });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const got = await new Promise<{ partition: number; offset: string; value: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message from ${cell} within 60 s`)), 60_000);
        void consumer.run({
          eachMessage: ({ partition, message }) => {
            clearTimeout(timer);
            resolve({ partition, offset: message.offset, value: message.value!.toString() });
            return Promise.resolve();
          },
        });
      });
      await consumer.disconnect();
      expect(got).toEqual({ partition: 1, offset: '0', value: JSON.stringify({ cell, n: 1 }) });
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
