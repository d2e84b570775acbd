// The Kafka client's readRange against a real local cluster: exact offset ranges that start and
// end inside record batches, read in several fetches while the next fetch is already asked for,
// transaction markers and aborted messages left out; a range that cannot exist, a failing
// hand-over and an abort each end the read with an error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { openKafka, type KafkaMessage, type KafkaSource } from '../../activities/sources/kafka/client.js';
import { envSecrets } from '../../activities/secrets/env.js';
import { SecretProvider } from '../../activities/secrets/provider.js';
import { createTopic, deleteTopic, produce } from './topic-fixture.js';
import { STACK, uniqueName } from './stack.js';

const CELL = 'us/cell-1';
const topic = uniqueName('read_range');
// About 2 KB each: 3,000 of them are several fetches of about 1 MB.
const COUNT = 3_000;
const value = (n: number) => JSON.stringify({ n, pad: 'x'.repeat(2_000) });
let kafka: KafkaSource;

beforeAll(async () => {
  await createTopic(CELL, topic, 2);
  // In requests of 300 (the broker takes at most 1 MB in one).
  for (let s = 0; s < COUNT; s += 300) await produce(CELL, topic, Array.from({ length: 300 }, (_, i) => ({ partition: 0, key: `k${s + i}`, value: value(s + i) })));
  // Partition 1: committed transactions around an aborted one; the log holds a marker after each.
  const tx = new Producer({ clientId: 'tributary-test', bootstrapBrokers: [STACK.kafka[CELL]!], transactionalId: uniqueName('tx'), idempotent: true, acks: ProduceAcks.ALL, serializers: stringSerializers });
  try {
    const t = await tx.beginTransaction();
    await t.send({ messages: [0, 1, 2].map((n) => ({ topic, partition: 1, value: value(n) })) });
    await t.commit();
    const aborted = await tx.beginTransaction();
    await aborted.send({ messages: [{ topic, partition: 1, value: 'aborted' }] });
    await aborted.abort();
    const t2 = await tx.beginTransaction();
    await t2.send({ messages: [3, 4].map((n) => ({ topic, partition: 1, value: value(n) })) });
    await t2.commit();
  } finally {
    await tx.close();
  }
  const [region, cell] = CELL.split('/') as [string, string];
  kafka = await openKafka({ id: `events/${CELL}`, source: 'events', region, cell, brokers: [STACK.kafka[CELL]!] }, new SecretProvider(envSecrets('UNUSED_'), 60_000));
}, 120_000);

afterAll(async () => {
  await kafka?.close();
  await deleteTopic(CELL, topic);
});

async function read(partition: number, from: number, to: number, onBatch: (b: KafkaMessage[]) => Promise<void> | void = () => undefined, signal?: AbortSignal) {
  const got: KafkaMessage[] = [];
  let batches = 0;
  await kafka.readRange(topic, partition, from, to, async (b) => {
    batches++;
    got.push(...b);
    await onBatch(b);
  }, signal);
  return { got, batches };
}

describe('readRange on a real cluster', () => {
  it('reads exactly [from, to) in order over several fetches, while the hand-over is slow', async () => {
    const bounds = await kafka.partitions(topic);
    expect(bounds.find((b) => b.partition === 0)).toEqual({ partition: 0, start: 0, end: COUNT });
    // A slow hand-over: the next fetch is under way meanwhile, and order must still hold.
    const { got, batches } = await read(0, 123, 2_877, () => new Promise((r) => setTimeout(r, 20)));
    expect(batches).toBeGreaterThan(2);
    expect(got.map((m) => m.offset)).toEqual(Array.from({ length: 2_877 - 123 }, (_, i) => 123 + i));
    expect(got.every((m) => m.partition === 0)).toBe(true);
    expect(got[0]!.value!.toString()).toBe(value(123));
    expect(got[0]!.key!.toString()).toBe('k123');
    expect(got.at(-1)!.value!.toString()).toBe(value(2_876));
    expect(Math.abs(got[0]!.timestamp - Date.now())).toBeLessThan(3_600_000);
  });

  it('reads a range of one message, and the last message of the partition', async () => {
    expect((await read(0, 1_500, 1_501)).got.map((m) => m.offset)).toEqual([1_500]);
    expect((await read(0, COUNT - 1, COUNT)).got.map((m) => m.value!.toString())).toEqual([value(COUNT - 1)]);
  });

  it('leaves out transaction markers and aborted messages: their offsets simply have no message', async () => {
    const end = (await kafka.partitions(topic)).find((b) => b.partition === 1)!.end;
    // 5 committed messages, 1 aborted, 3 markers.
    expect(end).toBe(9);
    const { got } = await read(1, 0, end);
    expect(got.map((m) => m.value!.toString())).toEqual([0, 1, 2, 3, 4].map(value));
    expect(got.map((m) => m.offset)).toEqual([0, 1, 2, 6, 7]);
  });

  it('fails on a range beyond the end of the partition, naming where it ends', async () => {
    await expect(read(0, COUNT, COUNT + 10)).rejects.toThrow(`ends at ${COUNT}, below the planned range end ${COUNT + 10}`);
  });

  it('ends with the hand-over error, and stops when aborted', async () => {
    let calls = 0;
    await expect(
      read(0, 0, COUNT, () => {
        calls++;
        throw new Error('stage is full');
      }),
    ).rejects.toThrow('stage is full');
    expect(calls).toBe(1);

    const abort = new AbortController();
    const seen: number[] = [];
    await expect(
      read(0, 0, COUNT, (b) => {
        seen.push(...b.map((m) => m.offset));
        abort.abort(new Error('activity cancelled'));
      }, abort.signal),
    ).rejects.toThrow('activity cancelled');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(COUNT);
    // The client is still usable after both.
    expect((await read(0, 10, 12)).got.map((m) => m.offset)).toEqual([10, 11]);
  });
});
