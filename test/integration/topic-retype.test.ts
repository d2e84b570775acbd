// A topic column's declared type changed in the config between runs, on the real local Kafka and
// warehouse: integer to bigint and integer to text widen the target in the merge's transaction
// (the old rows kept, the new values whole); under onTypeChange: fail the same change is refused,
// and double to numeric (no type holds both) fails whatever the policy, naming the column and
// both types, writing nothing. Columns with precision and length: the target is created with the
// declared types (numeric(10,2), varchar(20), timestamptz(3), varchar(5)[], bit(4)); a value the
// type would round or cut is a dead letter naming its column, offset and why, never loaded
// changed; a wider declared type widens the target in the merge's transaction (refused under
// onTypeChange: fail); a narrower one changes nothing, and values are still held to the declared
// type. One of those pipelines has an array column (staged as CSV), the other none (binary COPY
// straight into the target).
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TributaryConfig } from '../../config/schema.js';
import { failureOf, startHarness, type Harness } from './harness.js';
import { uniqueName } from './stack.js';
import { createTopic, deleteTopic, dropSchema, produce, query, topicStackConfig } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const CELL = 'us/cell-1';
const CELLS = ['us/cell-1', 'us/cell-2'];
const topics = { amounts: uniqueName('retype_amounts'), strict: uniqueName('retype_strict'), typed: uniqueName('retype_typed'), typedStrict: uniqueName('retype_typed_strict') };
const schema = uniqueName('test_retype');

type Types = { qty: string; code: string; price: string };
const column = (name: string, type: string) => ({ name, path: name, type });
const pipelines = (t: Types) => [
  { name: 'amounts', kind: 'topic', source: 'events', regions: ['us'], topic: topics.amounts, target: topics.amounts, columns: [column('id', 'bigint'), column('qty', t.qty), column('code', t.code), column('price', t.price)] },
  { name: 'strict', kind: 'topic', source: 'events', regions: ['us'], topic: topics.strict, target: topics.strict, columns: [column('id', 'bigint'), column('qty', t.qty)], options: { onTypeChange: 'fail' } },
];

let config: TributaryConfig;
let harness: Harness | undefined;

type Modded = { amount: string; code: string; tags: string };
const modded = (t: Modded) => [
  {
    name: 'typed', kind: 'topic', source: 'events', regions: ['us'], topic: topics.typed, target: topics.typed, key: ['id'],
    columns: [column('id', 'bigint'), column('amount', t.amount), column('code', t.code), column('at', 'timestamptz(3)'), column('tags', t.tags), column('flags', 'bit(4)')],
    options: { maxDeadLetterRatio: 1 },
  },
  {
    name: 'typed_strict', kind: 'topic', source: 'events', regions: ['us'], topic: topics.typedStrict, target: topics.typedStrict,
    columns: [column('id', 'bigint'), column('amount', t.amount), column('code', t.code)],
    options: { maxDeadLetterRatio: 1, onTypeChange: 'fail' },
  },
];

/** Workers and a client for the config with these pipelines (the same warehouse schema every time). */
async function withPipelines(list: unknown[]): Promise<Harness> {
  await harness?.close();
  config = topicStackConfig(list, { schema });
  harness = await startHarness(config, ['us']);
  return harness;
}
const withTypes = (t: Types) => withPipelines(pipelines(t));
const withModifiers = (t: Modded) => withPipelines(modded(t));

const table = (name: string) => `${ident(schema)}.${ident(name)}`;
const message = (m: Record<string, unknown>) => ({ partition: 0, value: JSON.stringify(m) });
const rows = (name: string) => query<Record<string, string>>(`SELECT id::text AS id, qty::text AS qty${name === topics.amounts ? ', code::text AS code, price::text AS price' : ''} FROM ${table(name)} ORDER BY id`);
const types = async (name: string, columns = ['qty', 'code', 'price']) =>
  Object.fromEntries(
    (await query<{ name: string; type: string }>(`SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = ANY($2)`, [table(name), columns])).map((r) => [
      r.name,
      r.type,
    ]),
  );
const MODDED = ['amount', 'code', 'at', 'tags', 'flags'];
const moddedRows = (name: string) =>
  query<Record<string, string | null>>(`SELECT id::text AS id, amount::text AS amount, code${name === topics.typed ? ", (at AT TIME ZONE 'UTC')::text AS at, tags::text AS tags, flags::text AS flags" : ''} FROM ${table(name)} ORDER BY id`);
const deadLetters = (pipeline: string) =>
  query<Record<string, string>>(
    `SELECT pipeline, region, cell, topic, kafka_partition::text AS partition, kafka_offset::text AS offset, reason, field, detail FROM ${table('tributary_dead_letters')} WHERE pipeline = $1 ORDER BY kafka_offset`,
    [pipeline],
  );

beforeAll(async () => {
  for (const cell of CELLS) for (const t of Object.values(topics)) await createTopic(cell, t, 1);
}, 120_000);

afterAll(async () => {
  await harness?.close();
  for (const cell of CELLS) for (const t of Object.values(topics)) await deleteTopic(cell, t);
  await dropSchema(schema);
}, 120_000);

it('widens a column whose declared type grew, and refuses it under onTypeChange: fail', async () => {
  let h = await withTypes({ qty: 'integer', code: 'integer', price: 'double' });
  await produce(CELL, topics.amounts, [message({ id: 1, qty: 7, code: 10, price: 1.5 })]);
  await produce(CELL, topics.strict, [message({ id: 1, qty: 7 })]);
  await h.run('amounts', 'us');
  await h.run('strict', 'us');
  expect(await types(topics.amounts)).toEqual({ qty: 'integer', code: 'integer', price: 'double precision' });

  h = await withTypes({ qty: 'bigint', code: 'text', price: 'double' });
  await produce(CELL, topics.amounts, [message({ id: 2, qty: 3_000_000_000, code: 'A-10', price: 2.5 })]);
  await produce(CELL, topics.strict, [message({ id: 2, qty: 3_000_000_000 })]);
  expect(await h.run('amounts', 'us')).toMatchObject({ inserted: 1 });
  expect(await types(topics.amounts)).toEqual({ qty: 'bigint', code: 'text', price: 'double precision' });
  expect(await rows(topics.amounts)).toEqual([
    { id: '1', qty: '7', code: '10', price: '1.5' },
    { id: '2', qty: '3000000000', code: 'A-10', price: '2.5' },
  ]);

  const refused = await failureOf(h.run('strict', 'us'));
  expect(refused).toContain(`pipeline strict, region us, source events/us/cell-1, table ${schema}.${topics.strict}, partition 0: column qty is bigint in the config, but the target keeps it as integer`);
  expect(refused).toContain('onTypeChange policy is "fail"; widen the target column to bigint by hand');
  expect(await rows(topics.strict)).toEqual([{ id: '1', qty: '7' }]);
  expect(await types(topics.strict)).toEqual({ qty: 'integer' });
}, 300_000);

it('fails at once on a change no type holds both sides of (double to numeric), writing nothing', async () => {
  const h = await withTypes({ qty: 'bigint', code: 'text', price: 'numeric' });
  await produce(CELL, topics.amounts, [message({ id: 3, qty: 1, code: 'x', price: 0.1 })]);
  const failed = await failureOf(h.run('amounts', 'us'));
  expect(failed).toContain(`table ${schema}.${topics.amounts}, partition 0: column price is numeric in the config, but the target keeps it as double precision, which cannot hold every value of it, and no type holds both`);
  expect((await rows(topics.amounts)).map((r) => r.id)).toEqual(['1', '2']);
  expect(await failureOf(h.run('amounts', 'us'))).toBe(failed);
}, 300_000);

it('creates the declared types and dead-letters a value they would round or cut', async () => {
  const h = await withModifiers({ amount: 'numeric(10,2)', code: 'varchar(20)', tags: 'varchar(5)[]' });
  await produce(CELL, topics.typed, [
    message({ id: 1, amount: 12345678.91, code: 'A-1', at: '2026-01-01T10:00:00.123Z', tags: ['x', null, 'a"b'], flags: '1010' }),
    message({ id: 2, amount: 1.234 }),
    message({ id: 3, code: 'c'.repeat(21) }),
    message({ id: 4, amount: '123456789.5' }),
    message({ id: 5, at: '2026-01-01T10:00:00.1234Z' }),
    message({ id: 6, tags: ['fine', 'toolong'] }),
    message({ id: 7, flags: '101' }),
  ]);
  await produce(CELL, topics.typedStrict, [message({ id: 1, amount: '-99999999.99', code: 'B'.repeat(20) }), message({ id: 2, amount: 0.005 })]);
  await h.run('typed', 'us');
  await h.run('typed_strict', 'us');

  expect(await types(topics.typed, MODDED)).toEqual({ amount: 'numeric(10,2)', code: 'character varying(20)', at: 'timestamp(3) with time zone', tags: 'character varying(5)[]', flags: 'bit(4)' });
  expect(await moddedRows(topics.typed)).toEqual([{ id: '1', amount: '12345678.91', code: 'A-1', at: '2026-01-01 10:00:00.123', tags: '{x,NULL,"a\\"b"}', flags: '1010' }]);
  const where = { pipeline: 'typed', region: 'us', cell: 'cell-1', topic: topics.typed, partition: '0', reason: 'wrong-type' };
  expect(await deadLetters('typed')).toEqual([
    { ...where, offset: '1', field: 'amount', detail: 'field "amount": expected a number that numeric(10,2) holds exactly (at most 8 digits before the point and 2 after), got 1.234' },
    { ...where, offset: '2', field: 'code', detail: 'field "code": expected at most 20 characters (character varying(20)), got 21' },
    { ...where, offset: '3', field: 'amount', detail: 'field "amount": expected a number that numeric(10,2) holds exactly (at most 8 digits before the point and 2 after), got 123456789.5' },
    { ...where, offset: '4', field: 'at', detail: 'field "at": expected at most 3 fractional digits of a second (timestamp(3) with time zone), got "2026-01-01T10:00:00.1234Z"' },
    { ...where, offset: '5', field: 'tags', detail: 'field "tags": element 1: expected at most 5 characters (character varying(5)), got 7' },
    { ...where, offset: '6', field: 'flags', detail: 'field "flags": expected exactly 4 bits (bit(4)), got 3' },
  ]);
  expect(await types(topics.typedStrict, MODDED)).toEqual({ amount: 'numeric(10,2)', code: 'character varying(20)' });
  expect(await moddedRows(topics.typedStrict)).toEqual([{ id: '1', amount: '-99999999.99', code: 'B'.repeat(20) }]);
  expect((await deadLetters('typed_strict')).map((d) => [d.offset, d.field])).toEqual([['1', 'amount']]);
}, 300_000);

it('widens a declared precision or length in the merge, refuses it under onTypeChange: fail, and changes nothing for a narrower one', async () => {
  let h = await withModifiers({ amount: 'numeric(14,4)', code: 'varchar(200)', tags: 'varchar(10)[]' });
  await produce(CELL, topics.typed, [message({ id: 8, amount: '1234567890.1234', code: 'w'.repeat(150), tags: ['toolong'] })]);
  await produce(CELL, topics.typedStrict, [message({ id: 3, amount: '1234567890.1234' })]);
  expect(await h.run('typed', 'us')).toMatchObject({ inserted: 1 });
  expect(await types(topics.typed, MODDED)).toMatchObject({ amount: 'numeric(14,4)', code: 'character varying(200)', tags: 'character varying(10)[]' });
  expect((await moddedRows(topics.typed)).map((r) => [r.id, r.amount, r.code, r.tags])).toEqual([
    ['1', '12345678.9100', 'A-1', '{x,NULL,"a\\"b"}'],
    ['8', '1234567890.1234', 'w'.repeat(150), '{toolong}'],
  ]);

  const refused = await failureOf(h.run('typed_strict', 'us'));
  expect(refused).toContain(`pipeline typed_strict, region us, source events/us/cell-1, table ${schema}.${topics.typedStrict}, partition 0: column amount is numeric(14,4) in the config, but the target keeps it as numeric(10,2)`);
  expect(refused).toContain('onTypeChange policy is "fail"; widen the target column to numeric(14,4) by hand');
  expect(await types(topics.typedStrict, MODDED)).toEqual({ amount: 'numeric(10,2)', code: 'character varying(20)' });
  expect((await moddedRows(topics.typedStrict)).map((r) => r.id)).toEqual(['1']);

  // Narrowed back: the wider target holds every value, so it stays; the declared type still decides what fits.
  h = await withModifiers({ amount: 'numeric(10,2)', code: 'varchar(20)', tags: 'varchar(5)[]' });
  await produce(CELL, topics.typed, [message({ id: 9, amount: 1.5 }), message({ id: 10, amount: 1.2345 })]);
  await h.run('typed', 'us');
  expect(await types(topics.typed, MODDED)).toMatchObject({ amount: 'numeric(14,4)', code: 'character varying(200)', tags: 'character varying(10)[]' });
  expect((await moddedRows(topics.typed)).map((r) => [r.id, r.amount])).toEqual([['1', '12345678.9100'], ['8', '1234567890.1234'], ['9', '1.5000']]);
  expect((await deadLetters('typed')).slice(-1)).toMatchObject([{ offset: '9', field: 'amount' }]);
}, 300_000);
