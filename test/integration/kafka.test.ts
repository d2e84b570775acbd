// Each of the three local Kafka clusters (us/cell-1, us/cell-2, eu/cell-1) takes a message and
// gives exactly it back from an explicit partition and offset, through a consumer group.
import { describe, expect, it } from 'vitest';
import { Admin, Consumer, ListOffsetTimestamps, MessagesStreamModes, ProduceAcks, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { STACK, uniqueName } from './stack.js';

describe.each(Object.entries(STACK.kafka))('kafka cluster %s', (cell, broker) => {
  it('produces and consumes a message at a known offset', async () => {
    const client = { clientId: 'tributary-test', bootstrapBrokers: [broker] };
    const topic = uniqueName('test_topic');
    const admin = new Admin(client);
    try {
      await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
      const producer = new Producer({ ...client, idempotent: true, acks: ProduceAcks.ALL, serializers: stringSerializers });
      const sent = await producer.send({ messages: [{ topic, partition: 1, key: cell, value: JSON.stringify({ cell, n: 1 }) }] }).finally(() => producer.close());
      expect(sent.offsets).toEqual([{ topic, partition: 1, offset: 0n }]);

      const offsets = await admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 1, timestamp: ListOffsetTimestamps.LATEST }] }] });
      expect(offsets[0]!.partitions[0]!.offset).toBe(1n);

      const consumer = new Consumer({ ...client, groupId: uniqueName('test_group'), deserializers: stringDeserializers });
      try {
        const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST });
        const timer = setTimeout(() => stream.destroy(new Error(`no message from ${cell} within 60 s`)), 60_000);
        let got: { partition: number; offset: bigint; value: string } | undefined;
        for await (const m of stream) {
          got = { partition: m.partition, offset: m.offset, value: m.value };
          break;
        }
        clearTimeout(timer);
        await stream.close();
        expect(got).toEqual({ partition: 1, offset: 0n, value: JSON.stringify({ cell, n: 1 }) });
      } finally {
        await consumer.close(true);
      }
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.close();
    }
  });
});
