// Topic pipelines end to end on the three local Kafka clusters (us/cell-1, us/cell-2, eu/cell-1)
// through Temporal into the PostgreSQL warehouse: exact offset ranges, exactly-once loads,
// new partitions, upserts by key, dead letters, the dead-letter threshold, regions apart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetTable } from '../../config/resolve.js';
import type { TopicPipelineConfig, TributaryConfig } from '../../config/schema.js';
import { createDeps } from '../../activities/deps.js';
import { extractTopicUnit } from '../../activities/sources/kafka/extract-topic.js';
import { topicMergeSpec } from '../../activities/sources/kafka/topic-columns.js';
import { planTopic } from '../../activities/kinds/topic/plan.js';
import { createWarehouse } from '../../activities/warehouse/index.js';
import { pipelineStatus } from '../../client/status.js';
import { failureOf, startHarness, type Harness } from './harness.js';
import { uniqueName } from './stack.js';
import {
  CELLS,
  addPartitions,
  click,
  clickColumns,
  clicks,
  createTopic,
  deleteTopic,
  dropSchema,
  endOffsets,
  groupOffsets,
  loadedPerCell,
  produce,
  qualified,
  query,
  topicStackConfig,
} from './topic-fixture.js';

const clicksTopic = uniqueName('clicks');
const usersTopic = uniqueName('users');
const poisonTopic = uniqueName('poison');
const badTopic = uniqueName('bad');
const retryTopic = uniqueName('retry');
const topics = [clicksTopic, usersTopic, poisonTopic, badTopic, retryTopic];

const clickFields = clickColumns('id', 'user_name', 'tier', 'amount', 'at', 'first_tag');

let config: TributaryConfig;
let harness: Harness;

beforeAll(async () => {
  config = topicStackConfig([
    { name: 'clicks', kind: 'topic', source: 'events', topic: clicksTopic, target: uniqueName('clicks'), columns: clickFields, options: { keepRawAs: 'raw', maxMessagesPerPartition: 700 } },
    {
      name: 'users',
      kind: 'topic',
      source: 'events',
      topic: usersTopic,
      target: uniqueName('users'),
      key: ['user_id'],
      regions: ['us'],
      columns: [
        { name: 'user_id', path: 'id', type: 'integer' },
        { name: 'name', path: 'name', type: 'text' },
        { name: 'version', path: 'v', type: 'integer', required: true },
      ],
    },
    { name: 'poison', kind: 'topic', source: 'events', topic: poisonTopic, target: uniqueName('poison'), regions: ['us'], columns: clickFields, options: { maxMessageBytes: 2_000, maxDeadLetterRatio: 0.02 } },
    { name: 'retry', kind: 'topic', source: 'events', topic: retryTopic, target: uniqueName('retry'), regions: ['eu'], columns: clickFields },
    { name: 'bad', kind: 'topic', source: 'events', topic: badTopic, target: uniqueName('bad'), regions: ['eu'], columns: clickFields, options: { maxDeadLetterRatio: 0.05 } },
  ]);
  for (const cell of CELLS) for (const t of topics) await createTopic(cell, t);
  harness = await startHarness(config, ['us', 'eu']);
});

afterAll(async () => {
  await harness?.close();
  for (const cell of CELLS) for (const t of topics) await deleteTopic(cell, t);
  if (config) await dropSchema(config.warehouse.schema);
  for (const p of config?.pipelines ?? []) await dropSchema(targetTable(config, p)[0]).catch(() => undefined);
});

const target = (name: string) => targetTable(config, config.pipelines.find((p) => p.name === name)!);

describe('topic pipeline', () => {
  it('loads every cell of each region exactly once over several runs, with new messages between them', async () => {
    const produced: Record<string, number> = { 'us/cell-1': 0, 'us/cell-2': 0, 'eu/cell-1': 0 };
    const sizes = { 'us/cell-1': 3_000, 'us/cell-2': 2_000, 'eu/cell-1': 1_500 } as Record<string, number>;
    for (const cell of CELLS) produced[cell] = produced[cell]! + await produce(cell, clicksTopic, clicks(cell, 0, sizes[cell]!));

    const [us, eu] = await Promise.all([harness.run('clicks', 'us'), harness.run('clicks', 'eu')]);
    // Each region's run covers only its own cells.
    expect(new Set(us.ranges.map((r) => r.source))).toEqual(new Set(['events/us/cell-1', 'events/us/cell-2']));
    expect(new Set(eu.ranges.map((r) => r.source))).toEqual(new Set(['events/eu/cell-1']));
    // 750 and 500 messages per us partition, at most 700 per batch: two batches for each cell-1 partition.
    expect(us.units).toBe(8 + 4);
    expect(us.inserted).toBe(5_000);
    expect(eu.inserted).toBe(1_500);
    expect(await loadedPerCell(target('clicks'))).toEqual({ perCell: produced, duplicates: 0 });

    // `tributary status` counts what each cluster's topic holds beyond the ledger.
    const lag = async () => Object.fromEntries((await pipelineStatus(harness.client, config, { pipeline: 'clicks' })).map((r) => [r.source, r.lagMessages]));
    expect(await lag()).toEqual({ 'events/us/cell-1': 0, 'events/us/cell-2': 0, 'events/eu/cell-1': 0 });

    // New messages; the us region runs twice before eu runs once: eu's rows stay eu's.
    for (const cell of CELLS) produced[cell] = produced[cell]! + await produce(cell, clicksTopic, clicks(cell, sizes[cell]!, 321));
    expect(await lag()).toEqual({ 'events/us/cell-1': 321, 'events/us/cell-2': 321, 'events/eu/cell-1': 321 });
    await harness.run('clicks', 'us');
    const again = await harness.run('clicks', 'us');
    expect(again.units).toBe(0);
    expect((await loadedPerCell(target('clicks'))).perCell['eu/cell-1']).toBe(1_500);
    expect(await lag()).toEqual({ 'events/us/cell-1': 0, 'events/us/cell-2': 0, 'events/eu/cell-1': 321 });
    await harness.run('clicks', 'eu');
    expect(await loadedPerCell(target('clicks'))).toEqual({ perCell: produced, duplicates: 0 });

    // Every value as produced: mapped columns, metadata, lineage and the raw message.
    const rows = await query<{ cell: string; id: string; user_name: string; tier: string | null; amount: string; at: Date; first_tag: string; raw: unknown; region: string }>(
      `SELECT _cell AS cell, id, user_name, tier, amount::text, at, first_tag, raw, _region AS region FROM ${qualified(target('clicks'))} WHERE id IN (0, 7, 1499) ORDER BY _source, id`,
    );
    expect(rows).toHaveLength(9);
    for (const r of rows) {
      const want = click(`${r.region}/${r.cell}`, Number(r.id));
      expect(r.user_name).toBe((want.user as { name: string }).name);
      expect(r.tier).toBe((want.user as { tier: string | null }).tier);
      expect(Number(r.amount)).toBe(want.amount);
      expect(r.at.toISOString()).toBe(want.at);
      expect(r.first_tag).toBe(`${r.region}/${r.cell}`);
      expect(r.raw).toEqual(want);
    }
    const meta = await query<{ bad: string }>(
      `SELECT count(*) AS bad FROM ${qualified(target('clicks'))} WHERE kafka_partition <> id % 4 OR kafka_timestamp IS NULL OR _batch_id IS NULL OR _source <> 'events/' || _region || '/' || _cell`,
    );
    expect(meta[0]!.bad).toBe('0');

    // The ledger is mirrored into the consumer group, so Kafka's tools show no lag.
    for (const cell of CELLS) expect(await groupOffsets(cell, `${config.temporal.taskQueuePrefix}-clicks`, clicksTopic)).toEqual(await endOffsets(cell, clicksTopic));
  });

  it('picks up a partition added to the topic', async () => {
    const before = await loadedPerCell(target('clicks'));
    await addPartitions('us/cell-2', clicksTopic, 6);
    const fresh = clicks('us/cell-2', 100_000, 600, 6).filter((m) => m.partition >= 4);
    await produce('us/cell-2', clicksTopic, fresh);
    const run = await harness.run('clicks', 'us');
    expect(run.inserted).toBe(fresh.length);
    const after = await loadedPerCell(target('clicks'));
    expect(after).toEqual({ perCell: { ...before.perCell, 'us/cell-2': before.perCell['us/cell-2']! + fresh.length }, duplicates: 0 });
    const parts = await query<{ p: number }>(`SELECT DISTINCT kafka_partition AS p FROM ${qualified(target('clicks'))} WHERE _cell = 'cell-2' ORDER BY 1`);
    expect(parts.map((r) => r.p)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('upserts by key: the newest message of a key wins, across batches and runs', async () => {
    // Keys 0..99, each written three times in one partition (key % 4); versions grow with offsets.
    const msgs = (round: number) =>
      Array.from({ length: 100 }, (_, id) => ({ partition: id % 4, key: String(id), value: JSON.stringify({ id, name: `u${id}-r${round}`, v: round }) }));
    await produce('us/cell-1', usersTopic, [...msgs(1), ...msgs(2)]);
    const first = await harness.run('users', 'us');
    expect(first.inserted).toBe(100);
    await produce('us/cell-1', usersTopic, msgs(3));
    const second = await harness.run('users', 'us');
    expect([second.inserted, second.updated]).toEqual([0, 100]);
    const rows = await query<{ n: string; v: number; names: string }>(
      `SELECT count(*) AS n, min(version) AS v, count(*) FILTER (WHERE name = 'u' || user_id || '-r3') AS names FROM ${qualified(target('users'))}`,
    );
    expect(rows[0]).toEqual({ n: '100', v: 3, names: '100' });
  });

  it('a merge retried after its batch committed writes nothing; a batch overlapping a committed one loads only the rest', async () => {
    const cell = 'eu/cell-1';
    const deps = createDeps(config);
    const warehouse = createWarehouse(deps);
    const p = config.pipelines.find((x) => x.name === 'retry') as TopicPipelineConfig;
    const spec = topicMergeSpec(config, p);
    await produce(cell, retryTopic, clicks(cell, 0, 400));
    const planA = await planTopic({ deps, warehouse }, p, { region: 'eu', runId: 'run-a' });
    await produce(cell, retryTopic, clicks(cell, 400, 40));
    // A second run planned before the first merged: its partition-0 range [0, 110) overlaps [0, 100).
    const planB = await planTopic({ deps, warehouse }, p, { region: 'eu', runId: 'run-b' });
    const a = await extractTopicUnit(deps, p, planA.find((u) => u.partition === 0)!, warehouse.capabilities);
    const b = await extractTopicUnit(deps, p, planB.find((u) => u.partition === 0)!, warehouse.capabilities);
    expect([a.rows, b.rows]).toEqual([100, 110]);

    const once = await warehouse.mergeTopic(a, spec);
    const again = await warehouse.mergeTopic(a, spec);
    expect([once.inserted, once.alreadyCommitted]).toEqual([100, false]);
    expect(again).toEqual({ ...once, alreadyCommitted: true });
    const rest = await warehouse.mergeTopic(b, spec);
    expect([rest.inserted, rest.topic!.nextOffset]).toEqual([10, 110]);

    // The workflow then loads the other partitions; every message is in once.
    await harness.run('retry', 'eu');
    expect(await loadedPerCell(target('retry'))).toEqual({ perCell: { [cell]: 440 }, duplicates: 0 });
  });

  it('dead-letters poison messages with their reasons and loads the rest', async () => {
    const cell = 'us/cell-1';
    const good = clicks(cell, 0, 1_000);
    // 1% poison, one of each kind, at known offsets (every 100th message). The ratio is per batch (one
    // partition's range), where these come to 0.8% to 1.2%: the pipeline allows 2%.
    const poison: Produced[] = [
      { partition: 0, value: 'not json {' },
      { partition: 1, value: JSON.stringify({ ...click(cell, 1), id: 'seven' }) },
      { partition: 2, value: JSON.stringify({ ...click(cell, 2), id: undefined }) },
      { partition: 3, value: JSON.stringify({ ...click(cell, 3), at: '2026-02-30T00:00:00Z' }) },
      { partition: 0, value: JSON.stringify({ ...click(cell, 4), pad: 'x'.repeat(3_000) }) },
      { partition: 1, value: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]) },
      { partition: 2, value: '[1,2,3]' },
      { partition: 3, value: null },
      { partition: 0, value: JSON.stringify({ ...click(cell, 8), user: { name: 'a\u0000b' } }) },
      { partition: 1, value: JSON.stringify({ ...click(cell, 9), id: 2 ** 63 }) },
    ];
    const messages = good.flatMap((m, i) => (i % 100 === 99 ? [m, poison[(i - 99) / 100]!] : [m]));
    await produce(cell, poisonTopic, messages);
    await produce('us/cell-2', poisonTopic, clicks('us/cell-2', 0, 200));
    const run = await harness.run('poison', 'us');
    expect(run.inserted).toBe(1_200);

    const dead = await query<{ reason: string; field: string | null; detail: string; cell: string; value: Buffer | null; kafka_offset: string }>(
      `SELECT reason, field, detail, cell, message_value AS value, kafka_offset FROM ${qualified([config.warehouse.schema, 'tributary_dead_letters'])} WHERE pipeline = 'poison' ORDER BY kafka_partition, kafka_offset`,
    );
    expect(dead).toHaveLength(10);
    expect(dead.every((d) => d.cell === 'cell-1')).toBe(true);
    const byReason: Record<string, number> = {};
    for (const d of dead) byReason[d.reason] = (byReason[d.reason] ?? 0) + 1;
    expect(byReason).toEqual({ 'not-json': 1, 'wrong-type': 4, 'missing-field': 1, oversized: 1, 'not-utf8': 1, 'not-object': 1, empty: 1 });
    expect(dead.find((d) => d.reason === 'missing-field')!.field).toBe('id');
    expect(dead.filter((d) => d.reason === 'wrong-type').map((d) => d.field).sort()).toEqual(['at', 'id', 'id', 'user_name']);
    // The raw bytes are kept as they were sent.
    expect(dead.find((d) => d.reason === 'not-json')!.value!.toString()).toBe('not json {');
    expect(dead.find((d) => d.reason === 'not-utf8')!.value).toEqual(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]));
    expect(dead.find((d) => d.reason === 'empty')!.value).toBeNull();
    expect(dead.find((d) => d.reason === 'wrong-type' && d.field === 'at')!.detail).toContain('2026-02-30');
    // Loaded plus dead-lettered is every offset of the topic, once.
    const { perCell, duplicates } = await loadedPerCell(target('poison'));
    expect(perCell).toEqual({ 'us/cell-1': 1_000, 'us/cell-2': 200 });
    expect(duplicates).toBe(0);
  });

  it('fails the run with a clear error when a batch has too many dead letters, writing nothing of it', async () => {
    const cell = 'eu/cell-1';
    // Partition 2 gets 10% messages without an id; the others are clean.
    const messages = clicks(cell, 0, 400).map((m, i) => (m.partition === 2 && i % 40 === 2 ? { ...m, value: JSON.stringify({ ...click(cell, i), id: null }) } : m));
    await produce(cell, badTopic, messages);
    const message = await failureOf(harness.run('bad', 'eu'));
    expect(message).toContain('pipeline bad, source events/eu/cell-1, cell cell-1, partition 2');
    expect(message).toMatch(/10 of 100 messages \(10\.0%\).*maxDeadLetterRatio 0\.05/);
    expect(message).toContain('offset 0, field id: required field "id" is null');
    const ledger = await query<{ kafka_partition: number; next_offset: string }>(
      `SELECT kafka_partition, next_offset FROM ${qualified([config.warehouse.schema, 'tributary_offsets'])} WHERE pipeline = 'bad' ORDER BY 1`,
    );
    // Partition 2 stays where it was; nothing of it is in the target or the dead-letter table.
    expect(ledger.find((r) => r.kafka_partition === 2)).toBeUndefined();
    const written = await query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(target('bad'))} WHERE kafka_partition = 2`).catch(() => [{ n: '0' }]);
    expect(written[0]!.n).toBe('0');
  });
});

type Produced = Parameters<typeof produce>[2][number];
