// CDC events that cannot be applied, produced as raw Debezium-shaped messages (JSON converter,
// see test/fixtures/debezium) to the real local Kafka beside good ones: a value that is not JSON,
// an op this version does not know and a schema field without a name. The batch halts, naming
// each position and reason, writes nothing and leaves its offsets where they were; a logical
// decoding message is skipped.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TributaryConfig } from '../../config/schema.js';
import { changeEvent } from '../fixtures/debezium/change-event.js';
import { failureOf, type Harness } from './harness.js';
import { PRODUCED_CELL, removeTopics, startOnTopics } from './produced-cdc-fixture.js';
import { produce, query, topicStackConfig } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const id = randomBytes(4).toString('hex');
const CELL = PRODUCED_CELL;
const TOPIC = `cdc_dead_${id}`;

let config: TributaryConfig;
let harness: Harness;

const event = (op: string, key: number, lsn: number, after: { n: number } | null) => changeEvent('dl', op, key, lsn, null, after);

/** A change event whose embedded schema has a field without a name. */
function nameless(key: number, lsn: number): string {
  const row = { type: 'struct', optional: true, fields: [{ type: 'int64', field: 'id' }, { type: 'int32' }] };
  return JSON.stringify({
    schema: { type: 'struct', fields: [{ ...row, field: 'before' }, { ...row, field: 'after' }, { type: 'struct', field: 'source', fields: [] }, { type: 'string', field: 'op' }] },
    payload: { before: null, after: { id: key }, source: { lsn, schema: 'public', table: 't', ts_ms: 1 }, op: 'c', ts_ms: 1 },
  });
}

beforeAll(async () => {
  config = topicStackConfig([
    { name: 'dead', kind: 'cdc', source: 'events', regions: ['us'], topic: TOPIC, target: TOPIC, key: ['id'], options: { columnTypes: { id: 'bigint', n: 'integer' } } },
  ]);
  harness = await startOnTopics(config, { [TOPIC]: 1 });
}, 120_000);

afterAll(() => removeTopics(harness, config, [TOPIC]), 60_000);

it('halts a batch with an undecodable event, an unknown op and a nameless field, naming each, writing nothing', async () => {
  await produce(CELL, TOPIC, [
    event('c', 1, 10, { n: 1 }),
    { partition: 0, key: JSON.stringify({ id: 2 }), value: 'not json {' },
    event('c', 3, 30, { n: 3 }),
    event('x', 4, 40, { n: 4 }),
    event('m', 5, 50, null),
    { partition: 0, key: JSON.stringify({ id: 6 }), value: nameless(6, 60) },
  ]);
  const message = await failureOf(harness.run('dead', 'us'));
  expect(message).toContain(`pipeline dead, region us, source events/us/cell-1: 3 of 6 events of topic ${TOPIC} cannot be applied.`);
  expect(message).toContain(`The first is at partition 0, offset 1: ${TOPIC}[0]@1: the value is not JSON`);
  expect(message).toContain(`${TOPIC}[0]@3: op "x" is not one this version applies`);
  expect(message).toContain(`${TOPIC}[0]@5: a field of the embedded schema has no name`);
  expect(message).toContain('Nothing of this batch was written and its offsets did not advance.');
  const offsets = await query(`SELECT next_offset FROM ${ident(config.warehouse.schema)}.tributary_offsets WHERE pipeline = 'dead'`).catch(() => []);
  expect(offsets).toEqual([]);
  const loaded = await query(`SELECT count(*)::int AS n FROM ${ident(config.warehouse.schema)}.${ident(TOPIC)}`).catch(() => [{ n: 0 }]);
  expect(loaded).toEqual([{ n: 0 }]);
}, 300_000);
