// Verify of topic pipelines by offset, on a real Kafka cluster and the PostgreSQL warehouse: an
// append-only pipeline (with dead letters) and a keyed one (later messages replace a key's older
// ones) compare equal after their runs; a warehouse row deleted by hand is reported missing by
// its partition and offset, a row added by hand as extra, and only in their partitions.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TributaryConfig } from '../../config/schema.js';
import { runVerify } from '../../client/verify.js';
import { startHarness, type Harness } from './harness.js';
import { STACK, uniqueName, withClient } from './stack.js';
import { clicks, createTopic, deleteTopic, dropSchema, produce, topicStackConfig } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const appendTopic = uniqueName('tv_append');
const keyedTopic = uniqueName('tv_keyed');
const columns = [
  { name: 'id', path: 'id', type: 'bigint', required: true },
  { name: 'at', path: 'at', type: 'timestamptz', required: true },
];

let config: TributaryConfig;
let harness: Harness;
const target = (t: string) => `${ident(config.warehouse.schema)}.${ident(t)}`;

beforeAll(async () => {
  config = topicStackConfig([
    { name: 'appended', kind: 'topic', source: 'events', regions: ['us'], topic: appendTopic, target: 'appended', columns, options: { maxDeadLetterRatio: 0.1 } },
    { name: 'keyed', kind: 'topic', source: 'events', regions: ['us'], topic: keyedTopic, target: 'keyed', key: ['id'], columns },
  ]);
  for (const cell of ['us/cell-1', 'us/cell-2']) {
    await createTopic(cell, appendTopic, 3);
    await createTopic(cell, keyedTopic, 3);
    // 300 good messages and 4 poison ones (dead letters) per cluster.
    await produce(cell, appendTopic, [...clicks(cell, 0, 300, 3), ...[0, 1, 2, 0].map((partition) => ({ partition, value: 'not json' }))]);
    // Every key three times in its partition (33 keys apart in partition 2): the row keeps the newest.
    const keyed = clicks(cell, 0, 100, 3);
    await produce(cell, keyedTopic, [...keyed, ...keyed, ...keyed]);
  }
  harness = await startHarness(config, ['us']);
  await harness.run('appended', 'us');
  await harness.run('keyed', 'us');
}, 240_000);

afterAll(async () => {
  await harness?.close();
  for (const cell of ['us/cell-1', 'us/cell-2']) {
    await deleteTopic(cell, appendTopic);
    await deleteTopic(cell, keyedTopic);
  }
  if (config) await dropSchema(config.warehouse.schema);
}, 120_000);

it('an append-only and a keyed topic pipeline verify equal after their runs', async () => {
  const appended = await runVerify(harness.client, config, { pipeline: 'appended', region: 'us' });
  expect(appended.before).toMatchObject({ kind: 'topic', driftedBuckets: 0, repairable: false });
  for (const s of appended.before.sources) {
    expect(s).toMatchObject({ sourceRows: 304, warehouseRows: 304, bucketsCompared: 3, pending: 0 });
    expect(s.offsets!.reduce((n, o) => n + o.deadLetters, 0)).toBe(4);
    for (const o of s.offsets!) expect(o.warehouseChecksum).toBe(o.topicChecksum);
  }
  const keyed = await runVerify(harness.client, config, { pipeline: 'keyed', region: 'us' });
  expect(keyed.before.driftedBuckets).toBe(0);
  for (const s of keyed.before.sources) expect(s).toMatchObject({ sourceRows: 100, warehouseRows: 100 });
  expect(keyed.before.sources[0]!.offsets!.reduce((n, o) => n + o.topicMessages, 0)).toBe(300);
});

it('finds a deleted warehouse row by its offset, and a row added by hand as extra', async () => {
  const cell1 = config.sources.events!.type === 'kafka' ? 'events/us/cell-1' : '';
  const gone = await withClient(STACK.warehouse, async (w) => {
    const r = await w.query<{ p: number; o: string }>(`DELETE FROM ${target('appended')} WHERE ctid = (SELECT ctid FROM ${target('appended')} WHERE _source = $1 AND kafka_partition = 1 ORDER BY kafka_offset LIMIT 1 OFFSET 17) RETURNING kafka_partition AS p, kafka_offset AS o`, [cell1]);
    // A keyed row brought back to an older message of its key: that offset is extra, its newest missing.
    const k = await w.query<{ o: string }>(`UPDATE ${target('keyed')} SET kafka_offset = kafka_offset - 33 WHERE _source = $1 AND kafka_partition = 2 AND id = 2 RETURNING kafka_offset AS o`, [cell1]);
    return { partition: r.rows[0]!.p, offset: Number(r.rows[0]!.o), keyedOffset: Number(k.rows[0]!.o) };
  });
  const appended = await runVerify(harness.client, config, { pipeline: 'appended', region: 'us' });
  expect(appended.before.driftedBuckets).toBe(1);
  const s = appended.before.sources.find((x) => x.source === cell1)!;
  expect(s.drifted.map((d) => [d.bucket, d.missing, d.extra, d.changed])).toEqual([[gone.partition, 1, 0, 0]]);
  const part = s.offsets!.find((o) => o.partition === gone.partition)!;
  expect(part).toMatchObject({ missing: [gone.offset], extra: [] });
  expect(part.warehouseChecksum).not.toBe(part.topicChecksum);
  expect(appended.before.sources.find((x) => x.source !== cell1)!.drifted).toEqual([]);

  const keyed = await runVerify(harness.client, config, { pipeline: 'keyed', region: 'us' });
  const k = keyed.before.sources.find((x) => x.source === cell1)!.offsets!.find((o) => o.partition === 2)!;
  expect(k).toMatchObject({ missing: [gone.keyedOffset + 33], extra: [gone.keyedOffset] });
});
