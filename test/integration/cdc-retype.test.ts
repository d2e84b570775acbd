// Columns retyped at the source under the real Debezium PostgreSQL connector (JSON schemas,
// decimal.handling.mode precise): numeric(10,2) to numeric(14,4), integer to bigint, timestamp
// to timestamptz, integer to text and varchar(20) to varchar(200), between batches, with live
// rows. The merge widens the warehouse columns in its transaction and the new values arrive
// unrounded, the old ones as they were; then a narrowing (timestamptz back to timestamp) fails
// the run at once, naming the column and both types, and leaves the target as it was.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TributaryConfig } from '../../config/schema.js';
import { connectorConfig, createPublication, registerConnector, removeConnector } from '../fixtures/debezium/connect.js';
import { failureOf, startHarness, type Harness } from './harness.js';
import { STACK, connect, uniqueName } from './stack.js';
import { dropSchema, query, topicStackConfig } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const name = uniqueName('cdc_retype');
const topic = `${name}.public.${name}`;
const q = `public.${ident(name)}`;
const COLUMNS = 'id, amount::text AS amount, code::text AS code, at::text AS at, n::text AS n, label';
type Row = Record<'id' | 'amount' | 'code' | 'at' | 'n' | 'label', string>;

let config: TributaryConfig;
let harness: Harness;
let src: pg.Client;

const target = () => `${ident(config.warehouse.schema)}.${ident(name)}`;
// Both sides print timestamptz in UTC, so their text forms compare.
const sourceRows = async () => (await src.query<Row>(`SELECT ${COLUMNS} FROM ${q} ORDER BY id`)).rows;
const warehouseRows = async (): Promise<Row[]> => {
  const c = await connect(STACK.warehouse);
  try {
    await c.query(`SET TimeZone = 'UTC'`);
    return (await c.query<Row>(`SELECT ${COLUMNS} FROM ${target()} ORDER BY id`)).rows;
  } finally {
    await c.end();
  }
};
const targetTypes = async () =>
  Object.fromEntries(
    (
      await query<{ name: string; type: string }>(
        `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname IN ('amount', 'code', 'at', 'n', 'label')`,
        [target()],
      )
    ).map((r) => [r.name, r.type]),
  );

/** Runs until the warehouse holds what the source holds (Debezium delivers when it does). */
async function runUntilEqual(): Promise<void> {
  for (let i = 0; i < 60; i++) {
    await harness.run(name, 'us');
    const [s, w] = await Promise.all([sourceRows(), warehouseRows().catch(() => [])]);
    if (JSON.stringify(s) === JSON.stringify(w)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(await warehouseRows()).toEqual(await sourceRows());
}

beforeAll(async () => {
  config = topicStackConfig([{ name, kind: 'cdc', source: 'events', regions: ['us'], topic, target: name, key: ['id'] }]);
  src = await connect(STACK.source.us!);
  await src.query(`SET TimeZone = 'UTC'`);
  await src.query(`CREATE TABLE ${q} (id bigint PRIMARY KEY, amount numeric(10,2), code integer, at timestamp, n integer, label varchar(20))`);
  await src.query(`INSERT INTO ${q} VALUES (1, 12345678.91, 7, '2026-01-02 03:04:05.123456', 1, 'one'), (2, 0.5, -2147483648, '1999-12-31 23:59:59', 2, 'two')`);
  await createPublication(STACK.source.us!, name, [`public.${name}`]);
  await registerConnector(STACK.connect.us!, name, connectorConfig('us', name, [`public.${name}`], { schemas: true, decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive_time_microseconds' }));
  harness = await startHarness(config, ['us']);
}, 180_000);

afterAll(async () => {
  await harness?.close();
  await removeConnector(STACK.connect.us!, STACK.source.us!, STACK.kafka['us/cell-1']!, { connector: name, slot: name, publication: name, topics: [topic] }).catch(() => undefined);
  await src?.query(`DROP TABLE IF EXISTS ${q}`);
  await src?.end();
  if (config) await dropSchema(config.warehouse.schema);
}, 120_000);

it('widens the target for wider types at the source, between batches: new values unrounded, old ones kept', async () => {
  await runUntilEqual();
  expect(await targetTypes()).toEqual({ amount: 'numeric(10,2)', code: 'integer', at: 'timestamp without time zone', n: 'integer', label: 'text' });

  await src.query(`ALTER TABLE ${q} ALTER COLUMN amount TYPE numeric(14,4), ALTER COLUMN code TYPE bigint, ALTER COLUMN at TYPE timestamptz, ALTER COLUMN n TYPE text, ALTER COLUMN label TYPE varchar(200)`);
  await src.query(`UPDATE ${q} SET amount = 1234567890.1234, code = 9007199254740993, at = '2026-03-04 05:06:07.654321+02', n = 'A-10', label = repeat('x', 150) WHERE id = 1`);
  await src.query(`INSERT INTO ${q} VALUES (3, -0.0001, -9223372036854775808, '1970-01-01 00:00:00.000001+00', 'three', 'three')`);
  await runUntilEqual();
  expect(await targetTypes()).toEqual({ amount: 'numeric(14,4)', code: 'bigint', at: 'timestamp with time zone', n: 'text', label: 'text' });
  expect(await warehouseRows()).toEqual([
    { id: '1', amount: '1234567890.1234', code: '9007199254740993', at: '2026-03-04 03:06:07.654321+00', n: 'A-10', label: 'x'.repeat(150) },
    { id: '2', amount: '0.5000', code: '-2147483648', at: '1999-12-31 23:59:59+00', n: '2', label: 'two' },
    { id: '3', amount: '-0.0001', code: '-9223372036854775808', at: '1970-01-01 00:00:00.000001+00', n: 'three', label: 'three' },
  ]);
}, 300_000);

it('fails at once on a narrowing the target cannot take, naming the column and both types, and writes nothing', async () => {
  const before = await warehouseRows();
  await src.query(`ALTER TABLE ${q} ALTER COLUMN at TYPE timestamp`);
  await src.query(`UPDATE ${q} SET amount = 1.5 WHERE id = 2`);
  let message: string | undefined;
  // The run that reads the change event fails; runs before it (nothing delivered yet) succeed.
  for (let i = 0; i < 60 && message === undefined; i++) {
    message = await failureOf(harness.run(name, 'us')).catch(() => undefined);
    if (message === undefined) await new Promise((r) => setTimeout(r, 500));
  }
  expect(message).toContain(`pipeline ${name}, region us, source events/us/cell-1, table ${config.warehouse.schema}.${name}: column at is timestamp without time zone at the source`);
  expect(message).toContain('the target keeps it as timestamp with time zone, which cannot hold every value of it, and no type holds both');
  expect(await warehouseRows()).toEqual(before);
  // Deterministic: the next run fails the same way.
  expect(await failureOf(harness.run(name, 'us'))).toBe(message);
}, 300_000);
