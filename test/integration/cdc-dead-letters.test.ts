// CDC events that cannot be applied, produced as raw Debezium-shaped messages (JSON converter,
// see test/fixtures/debezium) to the real local Kafka beside good ones: a value that is not JSON,
// an op this version does not know, a schema field without a name, an event of another table and
// a variable-scale decimal of scale 3e8.
// - maxDeadLetterRatio 0 (the default): the batch halts naming the first and the command that
//   skips it, writes nothing and leaves its offsets; `cdc skip` of each lets the next run move on,
//   the skipped events in tributary_dead_letters once, and the target equal to the good events.
// - maxDeadLetterRatio 0.5: the bad events are dead letters with offset and reason, the rest of the
//   batch lands (the change a bad winner replaced wins its key); more than half dead halts.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { skipCdcEvent } from '../../client/cdc-skip.js';
import type { TributaryConfig } from '../../config/schema.js';
import { changeEvent, type ChangeMessage } from '../fixtures/debezium/change-event.js';
import { failureOf, type Harness } from './harness.js';
import { PRODUCED_CELL, removeTopics, startOnTopics } from './produced-cdc-fixture.js';
import { produce, query, topicStackConfig } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const id = randomBytes(4).toString('hex');
const CELL = PRODUCED_CELL;
const HALTS = `cdc_dead_${id}`;
const LENIENT = `cdc_lenient_${id}`;

let config: TributaryConfig;
let harness: Harness;

const event = (op: string, key: number, lsn: number, after: { n: number } | null, table = 't') => changeEvent('dl', op, key, lsn, null, after, undefined, table);

/** A create whose embedded schema has the given row fields. */
function withSchema(key: number, lsn: number, fields: object[], after: object): ChangeMessage {
  const row = { type: 'struct', optional: true, fields };
  const value = JSON.stringify({
    schema: { type: 'struct', fields: [{ ...row, field: 'before' }, { ...row, field: 'after' }, { type: 'struct', field: 'source', fields: [] }, { type: 'string', field: 'op' }] },
    payload: { before: null, after: { id: key, ...after }, source: { lsn, schema: 'public', table: 't', ts_ms: 1 }, op: 'c', ts_ms: 1 },
  });
  return { partition: 0, key: JSON.stringify({ id: key }), value };
}

const nameless = (key: number, lsn: number) => withSchema(key, lsn, [{ type: 'int64', field: 'id' }, { type: 'int32' }], {});
const hugeScale = (key: number, lsn: number) =>
  withSchema(key, lsn, [{ type: 'int64', field: 'id' }, { type: 'struct', name: 'io.debezium.data.VariableScaleDecimal', field: 'amount', fields: [] }], { amount: { scale: 300_000_000, value: 'AQ==' } });
const notJson = (key: number): ChangeMessage => ({ partition: 0, key: JSON.stringify({ id: key }), value: 'not json {' });

const schema = () => ident(config.warehouse.schema);
const rows = (table: string) => query<{ id: string; n: number }>(`SELECT id::text, n FROM ${schema()}.${ident(table)} ORDER BY id`);
const deadLetters = (pipeline: string) =>
  query<{ kafka_offset: string; reason: string; field: string | null; detail: string; value: string | null; cell: string }>(
    `SELECT kafka_offset::text, reason, field, detail, convert_from(message_value, 'UTF8') AS value, cell FROM ${schema()}.tributary_dead_letters WHERE pipeline = $1 ORDER BY kafka_offset`,
    [pipeline],
  );
const nextOffset = async (pipeline: string) => (await query<{ next_offset: string }>(`SELECT next_offset::text FROM ${schema()}.tributary_offsets WHERE pipeline = $1`, [pipeline]).catch(() => []))[0]?.next_offset ?? null;
const skip = (pipeline: string, offset: number) => skipCdcEvent(config, createSecretProvider(config.secrets), { pipeline, region: 'us', cell: 'cell-1', partition: 0, offset });

beforeAll(async () => {
  const columnTypes = { id: 'bigint', n: 'integer' };
  config = topicStackConfig([
    { name: 'halts', kind: 'cdc', source: 'events', regions: ['us'], topic: HALTS, target: HALTS, key: ['id'], options: { columnTypes } },
    { name: 'lenient', kind: 'cdc', source: 'events', regions: ['us'], topic: LENIENT, target: LENIENT, key: ['id'], options: { columnTypes, maxDeadLetterRatio: 0.5, capturedFrom: { source: 'app', table: 't' } } },
  ]);
  harness = await startOnTopics(config, { [HALTS]: 1, [LENIENT]: 1 });
}, 120_000);

afterAll(() => removeTopics(harness, config, [HALTS, LENIENT]), 60_000);

it('at maxDeadLetterRatio 0 halts naming the event and its skip command; each skip moves past exactly that event', async () => {
  await produce(CELL, HALTS, [event('c', 1, 10, { n: 1 }), notJson(2), event('c', 3, 30, { n: 3 }), event('x', 4, 40, { n: 4 }), event('m', 5, 50, null), nameless(6, 60)]);
  const first = await failureOf(harness.run('halts', 'us'));
  expect(first).toContain(`pipeline halts, region us, source events/us/cell-1: 3 of 6 events of topic ${HALTS} cannot be applied, and options.maxDeadLetterRatio is 0.`);
  expect(first).toContain(`The first is at partition 0, offset 1: ${HALTS}[0]@1: the value is not JSON`);
  expect(first).toContain(`${HALTS}[0]@3: op "x" is not one this version applies`);
  expect(first).toContain(`${HALTS}[0]@5: a field of the embedded schema has no name`);
  expect(first).toContain('Nothing of this batch was written and its offsets did not advance.');
  // Region us has two clusters, so the command names the cell.
  expect(first).toContain('To move past the first as a dead letter: tributary cdc skip halts --region us --cell cell-1 --partition 0 --offset 1.');
  expect(await nextOffset('halts')).toBeNull();
  expect(await rows(HALTS).catch(() => [])).toEqual([]);

  await skip('halts', 1);
  expect(await failureOf(harness.run('halts', 'us'))).toContain('2 of 6 events');
  await skip('halts', 3);
  const last = await failureOf(harness.run('halts', 'us'));
  expect(last).toContain('tributary cdc skip halts --region us --cell cell-1 --partition 0 --offset 5.');
  await skip('halts', 5);
  const applied = await harness.run('halts', 'us');
  expect(applied.deadLettered).toBe(3);
  expect(await rows(HALTS)).toEqual([{ id: '1', n: 1 }, { id: '3', n: 3 }]);
  expect(await nextOffset('halts')).toBe('6');
  const dead = await deadLetters('halts');
  expect(dead.map((d) => [d.kafka_offset, d.reason, d.cell])).toEqual([
    ['1', 'skipped by operator', 'cell-1'],
    ['3', 'skipped by operator', 'cell-1'],
    ['5', 'skipped by operator', 'cell-1'],
  ]);
  expect(dead[0]!.value).toBe('not json {');

  // An applied offset cannot be skipped; later events apply, and no skip applies twice.
  await expect(skip('halts', 2)).rejects.toThrow(`${HALTS}[0]@2 is applied already (the partition's next offset is 6)`);
  await produce(CELL, HALTS, [event('c', 7, 70, { n: 7 }), event('u', 3, 80, { n: 33 })]);
  await harness.run('halts', 'us');
  expect(await rows(HALTS)).toEqual([{ id: '1', n: 1 }, { id: '3', n: 33 }, { id: '7', n: 7 }]);
  expect(await deadLetters('halts')).toHaveLength(3);
  expect(await nextOffset('halts')).toBe('8');
}, 300_000);

it('above 0 dead-letters an unknown op, another table, undecodable and huge-scale events, and applies the rest', async () => {
  await produce(CELL, LENIENT, [
    event('c', 1, 10, { n: 1 }),
    event('c', 2, 20, { n: 2 }, 'other'),
    notJson(3),
    event('x', 4, 40, { n: 4 }),
    event('c', 5, 50, { n: 5 }),
    // The winner of key 5 does not decode: the change before it wins.
    hugeScale(5, 55),
    event('c', 6, 60, { n: 6 }),
    event('u', 1, 70, { n: 11 }),
    event('m', 8, 80, null),
  ]);
  const result = await harness.run('lenient', 'us');
  expect(result.deadLettered).toBe(4);
  expect(await rows(LENIENT)).toEqual([{ id: '1', n: 11 }, { id: '5', n: 5 }, { id: '6', n: 6 }]);
  expect(await nextOffset('lenient')).toBe('9');
  const dead = await deadLetters('lenient');
  expect(dead.map((d) => [d.kafka_offset, d.reason, d.field])).toEqual([
    ['1', 'other-table', null],
    ['2', 'undecodable', null],
    ['3', 'unknown-op', null],
    ['5', 'undecodable', 'amount'],
  ]);
  expect(dead[0]!.detail).toBe('the event is for table public.other, not public.t (options.capturedFrom)');
  expect(dead[1]!.value).toBe('not json {');
  expect(dead[3]!.detail).toContain("decimal scale 300000000 is beyond PostgreSQL numeric's 16383");

  // More than half of a batch dead halts it as at 0, naming the ratio and the skip command.
  await produce(CELL, LENIENT, [notJson(9), event('x', 10, 100, { n: 10 }), event('c', 11, 110, { n: 11 }, 'other'), event('c', 12, 120, { n: 12 })]);
  const message = await failureOf(harness.run('lenient', 'us'));
  expect(message).toContain(`3 of 4 events of topic ${LENIENT} cannot be applied, more than options.maxDeadLetterRatio 0.5.`);
  expect(message).toContain('tributary cdc skip lenient --region us --cell cell-1 --partition 0 --offset 9.');
  expect(await nextOffset('lenient')).toBe('9');
  expect(await deadLetters('lenient')).toHaveLength(4);
}, 300_000);
