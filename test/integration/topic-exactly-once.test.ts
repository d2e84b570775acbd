// Exactly-once topic merges into the PostgreSQL warehouse, batch by batch, on batches extracted
// from the local eu/cell-1 cluster: a retried batch writes nothing (the statements the merge
// sends are recorded on a real warehouse connection), a batch partly loaded by another run loads
// only the rest, two attempts of one batch at once load it once, and a message already in the
// target is never loaded again, even when the offsets ledger lost its row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetTable } from '../../config/resolve.js';
import type { TopicPipelineConfig, TributaryConfig } from '../../config/schema.js';
import { createDeps, type ActivityDeps } from '../../activities/deps.js';
import { extractTopicUnit } from '../../activities/sources/kafka/extract-topic.js';
import { topicMergeSpec } from '../../activities/sources/kafka/topic-columns.js';
import { planTopic } from '../../activities/kinds/topic/plan.js';
import { createWarehouse } from '../../activities/warehouse/index.js';
import type { WarehouseDialect } from '../../activities/warehouse/dialect.js';
import { mergeTopicBatch } from '../../activities/warehouse/postgres/topic-merge.js';
import type { MergeResult, StagedTopicBatch, TopicUnit } from '../../activities/types.js';
import { STACK, connect, uniqueName } from './stack.js';
import { click, clickColumns, clicks, createTopic, deleteTopic, dropSchema, produce, qualified, query, topicStackConfig } from './topic-fixture.js';

const CELL = 'eu/cell-1';
const appendTopic = uniqueName('once');
const dupTopic = uniqueName('once_dup');
const topics = [appendTopic, dupTopic];

const columns = clickColumns('id', 'user_name', 'amount', 'at', 'first_tag');

let config: TributaryConfig;
let deps: ActivityDeps;
let warehouse: WarehouseDialect;

beforeAll(async () => {
  config = topicStackConfig([
    { name: 'append', kind: 'topic', source: 'events', topic: appendTopic, target: uniqueName('clicks'), regions: ['eu'], columns, options: { keepRawAs: 'raw' } },
    { name: 'dup', kind: 'topic', source: 'events', topic: dupTopic, target: uniqueName('dup'), regions: ['eu'], columns },
  ]);
  deps = createDeps(config);
  warehouse = createWarehouse(deps);
  for (const t of topics) await createTopic(CELL, t);
});

afterAll(async () => {
  for (const t of topics) await deleteTopic(CELL, t);
  if (config) await dropSchema(config.warehouse.schema);
  for (const p of config?.pipelines ?? []) await dropSchema(targetTable(config, p)[0]).catch(() => undefined);
});

const pipeline = (name: string) => config.pipelines.find((p) => p.name === name) as TopicPipelineConfig;
const target = (name: string) => qualified(targetTable(config, pipeline(name)));

const spec = (name: string) => topicMergeSpec(config, pipeline(name));

/** Merges on a warehouse connection of its own (the state tables exist already), recording the SQL text of every statement (COPYs included). */
async function recordedMerge(name: string, batch: StagedTopicBatch): Promise<{ result: MergeResult; statements: string[] }> {
  const client = await connect(STACK.warehouse);
  const statements: string[] = [];
  const send = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (q: unknown, ...rest: unknown[]) => {
    statements.push(typeof q === 'string' ? q : (q as { text: string }).text);
    return send(q, ...rest);
  };
  try {
    const result = await mergeTopicBatch(client, deps.stage, config.warehouse.schema, batch, spec(name));
    return { result, statements };
  } finally {
    await client.end();
  }
}

const copies = (statements: string[]) => statements.filter((s) => s.startsWith('COPY ')).length;

/** Batch ids are the run's id, cell, partition and chunk: every test plans runs of its own. */
async function plan(name: string, run: string, partition: number): Promise<TopicUnit> {
  const units = await planTopic({ deps, warehouse }, pipeline(name), { region: 'eu', runId: run });
  return units.find((u) => u.partition === partition)!;
}

async function offsetsIn(name: string): Promise<{ n: number; distinct: number; ids: number }> {
  const [r] = await query<{ n: string; d: string; ids: string }>(
    `SELECT count(*) AS n, count(DISTINCT (_source, kafka_partition, kafka_offset)) AS d, count(DISTINCT id) AS ids FROM ${target(name)}`,
  );
  return { n: Number(r!.n), distinct: Number(r!.d), ids: Number(r!.ids) };
}

describe('topic merges, exactly once', () => {
  it('loads a batch with its lineage; a retry writes nothing; a batch partly loaded by another run loads the rest; dead letters beside', async () => {
    // 100 messages per partition, and a poison message at partition 3's end (a dead letter).
    await produce(CELL, appendTopic, [...clicks(CELL, 0, 400), { partition: 3, value: 'not json {' }]);
    const a = await extractTopicUnit(deps, pipeline('append'), await plan('append', 'run-a', 0), warehouse.capabilities);
    await produce(CELL, appendTopic, clicks(CELL, 400, 40));
    // Planned before run-a merged: its partition-0 range [0, 110) overlaps run-a's [0, 100).
    const b = await extractTopicUnit(deps, pipeline('append'), await plan('append', 'run-b', 0), warehouse.capabilities);
    expect([a.rows, b.rows]).toEqual([100, 110]);

    const first = await warehouse.mergeTopic(a, spec('append'));
    expect([first.inserted, first.alreadyCommitted, first.topic!.nextOffset]).toEqual([100, false, 100]);

    // One lineage for the whole batch, _loaded_at the merge transaction's time.
    const lineage = await query<Record<string, string>>(
      `SELECT DISTINCT _cell, _source, _region, _batch_id, _extracted_at = $1::timestamptz AS extracted,
              _loaded_at = (SELECT max(_loaded_at) FROM ${target('append')}) AS loaded, _loaded_at <= now() AS past
         FROM ${target('append')}`,
      [a.extractedAt],
    );
    expect(lineage).toEqual([{ _cell: 'cell-1', _source: a.unit.source, _region: 'eu', _batch_id: a.unit.batchId, extracted: true, loaded: true, past: true }]);
    // Values are those of the messages: offset k of partition 0 is message 4k.
    const values = await query<{ id: string; user_name: string; amount: string; at: Date; first_tag: string; raw: unknown; kafka_offset: string }>(
      `SELECT id, user_name, amount, at, first_tag, raw, kafka_offset FROM ${target('append')} WHERE kafka_offset IN (0, 57, 99) ORDER BY kafka_offset`,
    );
    for (const v of values) {
      const m = click(CELL, Number(v.kafka_offset) * 4) as { id: number; user: { name: string }; amount: number; at: string; tags: string[] };
      expect([Number(v.id), v.user_name, Number(v.amount), v.at.toISOString(), v.first_tag, v.raw]).toEqual([m.id, m.user.name, m.amount, m.at, m.tags[0], m]);
    }

    const retried = await recordedMerge('append', a);
    expect(retried.result).toEqual({ ...first, alreadyCommitted: true });
    expect(copies(retried.statements)).toBe(0);

    const rest = await warehouse.mergeTopic(b, spec('append'));
    expect([rest.inserted, rest.topic!.nextOffset]).toEqual([10, 110]);
    expect(await offsetsIn('append')).toEqual({ n: 110, distinct: 110, ids: 110 });

    // A poison message at the end of partition 3: a dead letter, the rest loaded.
    const withPoison = await extractTopicUnit(deps, pipeline('append'), await plan('append', 'run-c', 3), warehouse.capabilities);
    const poisoned = await warehouse.mergeTopic(withPoison, spec('append'));
    expect([poisoned.inserted, poisoned.topic!.deadLettered]).toEqual([110, 1]);
    const dead = await query<{ kafka_partition: number; reason: string }>(
      `SELECT kafka_partition, reason FROM ${qualified([config.warehouse.schema, 'tributary_dead_letters'])} WHERE topic = $1`,
      [appendTopic],
    );
    expect(dead).toEqual([{ kafka_partition: 3, reason: 'not-json' }]);
    expect(await offsetsIn('append')).toEqual({ n: 220, distinct: 220, ids: 220 });
  });

  it('never loads a message twice: the same batch merged twice at once loads once, and a target that already holds an offset refuses the batch', async () => {
    await produce(CELL, dupTopic, clicks(CELL, 0, 400));
    const units = await planTopic({ deps, warehouse }, pipeline('dup'), { region: 'eu', runId: 'dup-a' });
    const p0 = await extractTopicUnit(deps, pipeline('dup'), units.find((u) => u.partition === 0)!, warehouse.capabilities);
    const p1 = await extractTopicUnit(deps, pipeline('dup'), units.find((u) => u.partition === 1)!, warehouse.capabilities);

    // Partition 1 first: the target then exists, so append-only merges share it (no table lock between them).
    await warehouse.mergeTopic(p1, spec('dup'));
    // Two attempts of one batch at once (an activity retried while the first attempt still runs).
    const both = await Promise.allSettled([warehouse.mergeTopic(p0, spec('dup')), warehouse.mergeTopic(p0, spec('dup'))]);
    const loaded = both.filter((r) => r.status === 'fulfilled' && !r.value.alreadyCommitted);
    expect(loaded).toHaveLength(1);
    // The other one waited on the first's uncommitted rows: refused by the primary key, or it found the batch committed.
    for (const r of both) if (r.status === 'rejected') expect(String(r.reason)).toMatch(/partition 0: message .* is already in .*nothing was merged/);
    const again = await recordedMerge('dup', p0);
    expect(again.result.alreadyCommitted).toBe(true);
    expect(await offsetsIn('dup')).toEqual({ n: 200, distinct: 200, ids: 200 });

    // The ledger loses partition 1's row while the target keeps its messages (a ledger reset by hand):
    // a new run plans partition 1 from its start again, and the target's primary key refuses it.
    await query(`DELETE FROM ${qualified([config.warehouse.schema, 'tributary_offsets'])} WHERE topic = $1 AND kafka_partition = 1`, [dupTopic]);
    const replanned = await extractTopicUnit(deps, pipeline('dup'), await plan('dup', 'dup-b', 1), warehouse.capabilities);
    const unit = replanned.unit;
    expect([unit.from, unit.committed]).toEqual([0, null]);
    await expect(recordedMerge('dup', replanned)).rejects.toThrow(/partition 1: message \(source, partition, offset\) = \(.*, 1, 0\) is already in .*, but the offsets ledger is at unset; nothing was merged/);
    expect(await offsetsIn('dup')).toEqual({ n: 200, distinct: 200, ids: 200 });
    const ledger = await query(`SELECT 1 FROM ${qualified([config.warehouse.schema, 'tributary_offsets'])} WHERE topic = $1 AND kafka_partition = 1`, [dupTopic]);
    expect(ledger).toEqual([]);
  });
});
