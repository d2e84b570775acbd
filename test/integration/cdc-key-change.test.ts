// Primary-key changes whose unchanged TOASTed values must come from the old row as it was at the
// change, with batch boundaries placed where they hurt. The messages are Debezium's envelope as
// the PostgreSQL connector writes it without JSON schemas (see test/fixtures/debezium), produced
// to the real local Kafka with the partitions and headers chosen here, so the order of batches is
// exact; the runs go through Temporal and the S3 stage (the local S3 server) into the local
// warehouse (the file stage carries CDC in cdc-pipeline.test.ts).
//  - hard deletes, two partitions, one message per partition per batch: the create of key 2
//    (moved from key 1, its big value unchanged) sits in partition 1 ahead of key 1's update and
//    delete in partition 0. It must wait for them, then take the updated value.
//  - soft deletes, one partition, two messages per batch: key 1 is updated and moved in one batch
//    (its soft-deleted row keeps the old value), the create of key 2 comes in the next batch and
//    must take the moved row's value, not the deleted row's.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TributaryConfig } from '../../config/schema.js';
import { validateConfig } from '../../config/load.js';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { createStage } from '../../activities/stage/index.js';
import type { S3Stage } from '../../activities/stage/s3-stage.js';
import { changeEvent } from '../fixtures/debezium/change-event.js';
import type { Harness } from './harness.js';
import { PRODUCED_CELL, removeTopics, startOnTopics } from './produced-cdc-fixture.js';
import { produce, query, topicStackConfig, type Produced } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const id = randomBytes(4).toString('hex');
const CELL = PRODUCED_CELL;
const HARD = `keychange_hard_${id}`;
const SOFT = `keychange_soft_${id}`;
const UNAVAILABLE = '__debezium_unavailable_value';
/** Key 1 moves to key 2: Debezium's header on key 1's delete and tombstone, and on key 2's create. */
const TO_KEY_2 = { '__debezium.newkey': JSON.stringify({ id: 2 }) };
const FROM_KEY_1 = { '__debezium.oldkey': JSON.stringify({ id: 1 }) };

let config: TributaryConfig;
let harness: Harness;

/** One Debezium change event (schemaless JSON converter) and its key, as the connector writes them. */
const event = (op: 'c' | 'u' | 'd', key: number, lsn: number, after: { n: number; big: string } | null, headers?: Record<string, string>) =>
  changeEvent('kc', op, key, lsn, op === 'd' ? { id: key, n: null, big: null } : null, after, headers);
const tombstone = (key: number, headers?: Record<string, string>): Produced => ({ partition: 0, key: JSON.stringify({ id: key }), value: null, ...(headers ? { headers } : {}) });
const on = (partition: number, m: Produced): Produced => ({ ...m, partition });

async function runUntilApplied(pipeline: string, runs: number): Promise<void> {
  for (let i = 0; i < runs; i++) await harness.run(pipeline, 'us');
}

async function rows(table: string, extra = ''): Promise<Record<string, unknown>[]> {
  return query(`SELECT id::int AS id, n, big${extra} FROM ${ident(config.warehouse.schema)}.${ident(table)} ORDER BY id`);
}

beforeAll(async () => {
  const pipeline = (name: string, topic: string, maxMessagesPerPartition: number, deletes: 'hard' | 'soft') => ({
    name,
    kind: 'cdc',
    source: 'events',
    regions: ['us'],
    topic,
    target: topic,
    key: ['id'],
    options: { deletes, maxMessagesPerPartition, decimalHandlingMode: 'string', columnTypes: { id: 'bigint', n: 'integer', big: 'text' } },
  });
  const base = topicStackConfig([pipeline('hard', HARD, 1, 'hard'), pipeline('soft', SOFT, 2, 'soft')]);
  const stage = {
    type: 's3',
    bucket: process.env.TRIBUTARY_S3_BUCKET ?? 'tributary-stage',
    prefix: `test-${id}/`,
    awsRegion: 'us-east-1',
    endpoint: process.env.TRIBUTARY_S3_ENDPOINT ?? 'http://127.0.0.1:59000',
    forcePathStyle: true,
    secret: 'stage-s3',
    retentionDays: 1,
    retentionBy: 'sweep',
    sliceCount: 2,
  };
  config = validateConfig('cdc-key-change-test', { ...base, stage });
  harness = await startOnTopics(config, { [HARD]: 2, [SOFT]: 1 });
}, 120_000);

afterAll(() => removeTopics(harness, config, [HARD, SOFT]), 60_000);

it('holds back a create moved from a key whose earlier changes and delete are still behind in another partition', async () => {
  await produce(CELL, HARD, [
    event('c', 1, 10, { n: 1, big: 'first' }),
    event('u', 1, 20, { n: 1, big: 'second' }),
    event('d', 1, 30, null, TO_KEY_2),
    tombstone(1, TO_KEY_2),
    on(1, event('c', 2, 30, { n: 1, big: UNAVAILABLE }, FROM_KEY_1)),
    on(1, event('u', 2, 40, { n: 2, big: UNAVAILABLE })),
  ]);
  // One message per partition and run: partition 0 needs four runs, partition 1 waits for the delete.
  await runUntilApplied('hard', 6);
  expect(await rows(HARD)).toEqual([{ id: 2, n: 2, big: 'second' }]);
  // Every batch went through the S3 stage: split parts behind a mandatory manifest.
  const s3 = createStage(config.stage, createSecretProvider(config.secrets)) as S3Stage;
  const staged = await s3.list('hard/us/');
  expect(staged.length).toBeGreaterThanOrEqual(4);
  for (const key of staged) expect((await s3.manifest(key)).entries.length % 2).toBe(0);
  const offsets = await query<{ kafka_partition: number; next_offset: string }>(
    `SELECT kafka_partition, next_offset FROM ${ident(config.warehouse.schema)}.tributary_offsets WHERE pipeline = 'hard' ORDER BY kafka_partition`,
  );
  expect(offsets.map((o) => [o.kafka_partition, Number(o.next_offset)])).toEqual([
    [0, 4],
    [1, 2],
  ]);
}, 300_000);

it('fills a moved create from the moved row, not from the soft-deleted row that kept older values', async () => {
  await produce(CELL, SOFT, [
    event('c', 1, 10, { n: 1, big: 'first' }),
    event('c', 5, 15, { n: 5, big: 'other' }),
    event('u', 1, 20, { n: 1, big: 'second' }),
    event('d', 1, 30, null, TO_KEY_2),
    tombstone(1, TO_KEY_2),
    event('c', 2, 30, { n: 1, big: UNAVAILABLE }, FROM_KEY_1),
  ]);
  await runUntilApplied('soft', 4);
  expect(await rows(SOFT, ', _deleted AS deleted')).toEqual([
    { id: 1, n: 1, big: 'first', deleted: true },
    { id: 2, n: 1, big: 'second', deleted: false },
    { id: 5, n: 5, big: 'other', deleted: false },
  ]);
}, 300_000);
