// A topic column's declared type changed in the config between runs, on the real local Kafka and
// warehouse: integer to bigint and integer to text widen the target in the merge's transaction
// (the old rows kept, the new values whole); under onTypeChange: fail the same change is refused,
// and double to numeric (no type holds both) fails whatever the policy, naming the column and
// both types, writing nothing.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TributaryConfig } from '../../config/schema.js';
import { failureOf, startHarness, type Harness } from './harness.js';
import { uniqueName } from './stack.js';
import { createTopic, deleteTopic, dropSchema, produce, query, topicStackConfig } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const CELL = 'us/cell-1';
const CELLS = ['us/cell-1', 'us/cell-2'];
const topics = { amounts: uniqueName('retype_amounts'), strict: uniqueName('retype_strict') };
const schema = uniqueName('test_retype');

type Types = { qty: string; code: string; price: string };
const column = (name: string, type: string) => ({ name, path: name, type });
const pipelines = (t: Types) => [
  { name: 'amounts', kind: 'topic', source: 'events', regions: ['us'], topic: topics.amounts, target: topics.amounts, columns: [column('id', 'bigint'), column('qty', t.qty), column('code', t.code), column('price', t.price)] },
  { name: 'strict', kind: 'topic', source: 'events', regions: ['us'], topic: topics.strict, target: topics.strict, columns: [column('id', 'bigint'), column('qty', t.qty)], options: { onTypeChange: 'fail' } },
];

let config: TributaryConfig;
let harness: Harness | undefined;

/** Workers and a client for the config with these column types (the same warehouse schema every time). */
async function withTypes(t: Types): Promise<Harness> {
  await harness?.close();
  config = topicStackConfig(pipelines(t), { schema });
  harness = await startHarness(config, ['us']);
  return harness;
}

const message = (m: Record<string, unknown>) => ({ partition: 0, value: JSON.stringify(m) });
const rows = (table: string) => query<Record<string, string>>(`SELECT id::text AS id, qty::text AS qty${table === topics.amounts ? ', code::text AS code, price::text AS price' : ''} FROM ${ident(schema)}.${ident(table)} ORDER BY id`);
const types = async (table: string) =>
  Object.fromEntries(
    (
      await query<{ name: string; type: string }>(`SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname IN ('qty', 'code', 'price')`, [
        `${ident(schema)}.${ident(table)}`,
      ])
    ).map((r) => [r.name, r.type]),
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
