// A cdc table set through the real catalog, Connect worker and Debezium: the set's tables with a
// primary key become managed cdc pipelines (keys from the catalog, a table without one left out
// with its reason), apply creates the publication, topics and connector, their events land; a
// table created at the source joins at the next apply, and one dropped leaves the include list.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyCaptures } from '../../activities/managed-cdc/reconcile.js';
import { ConnectCluster } from '../../activities/managed-cdc/connect-rest.js';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { runPipeline } from '../../client/run-pipeline.js';
import { discoverTableSets } from '../../client/table-sets.js';
import type { CdcPipelineConfig, TributaryConfig } from '../../config/schema.js';
import { captureConnector, captureSlot } from '../../names/managed-cdc.js';
import { captureConfig, removeManagedCapture } from './capture-fixture.js';
import { startHarness, type Harness } from './harness.js';
import { STACK, connect, connectConfig, uniqueName, withClient } from './stack.js';
import { dropSchema } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const set = uniqueName('tscdc');
const schema = set;
const COLUMNS = ['id', 'name', 'amount'];

let declared: TributaryConfig;
let src: pg.Client;
let harness: Harness;
let rest: ConnectCluster;
const topics = new Set<string>();

const pipelineOf = (table: string) => `${set}-${schema}-${table}`;

async function discover(): Promise<TributaryConfig> {
  const d = await discoverTableSets(declared, createSecretProvider(declared.secrets), { store: true });
  expect(d.failures).toEqual([]);
  for (const p of d.expansion.config.pipelines) if (p.kind === 'cdc') topics.add(p.topic);
  return d.expansion.config;
}

async function includeList(): Promise<string> {
  return (await rest.connectors()).find((c) => c.name === captureConnector(declared, set))?.config['table.include.list'] ?? '';
}

/** Runs the table's pipeline until the warehouse equals the source (count and checksum). */
async function untilEqual(config: TributaryConfig, table: string): Promise<void> {
  const p = config.pipelines.find((q) => q.name === pipelineOf(table)) as CdcPipelineConfig;
  const [whSchema, whTable] = p.target.split('.') as [string, string];
  const sums = async () => ({
    source: await tableChecksum(src, [schema, table], ['id'], COLUMNS),
    warehouse: await withClient(STACK.warehouse, (w) => tableChecksum(w, [whSchema, whTable], ['id'], COLUMNS).catch(() => null)),
  });
  for (let i = 0; i < 120; i++) {
    await runPipeline(harness.client, config, p.name, 'us');
    const { source, warehouse } = await sums();
    if (warehouse && warehouse.rows === source.rows && warehouse.checksum === source.checksum) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  const { source, warehouse } = await sums();
  expect(warehouse, `${table} in the warehouse`).toEqual(source);
}

async function createTable(table: string, rows: number): Promise<void> {
  await src.query(`CREATE TABLE ${ident(schema)}.${ident(table)} (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2))`);
  await src.query(`INSERT INTO ${ident(schema)}.${ident(table)} SELECT g, 'seed' || g, g * 1.25 FROM generate_series(1, ${rows}) g`);
}

beforeAll(async () => {
  declared = captureConfig({ tableSets: [{ name: set, source: 'app', regions: ['us'], include: [`${schema}.*`], cdc: { kafka: 'events' } }] });
  rest = new ConnectCluster(connectConfig('us'), createSecretProvider(declared.secrets));
  src = await connect(STACK.source.us!);
  await src.query(`CREATE SCHEMA ${ident(schema)}`);
  // The reader reads the catalog and verifies; the connector's role snapshots (docs/security.md).
  for (const role of ['tributary_reader', 'tributary_cdc']) {
    await src.query(`GRANT USAGE ON SCHEMA ${ident(schema)} TO ${role}`);
    await src.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${ident(schema)} GRANT SELECT ON TABLES TO ${role}`);
  }
  await createTable('orders', 60);
  await createTable('customers', 40);
  await src.query(`CREATE TABLE ${ident(schema)}.audit (at timestamptz, what text)`);
}, 120_000);

afterAll(async () => {
  await harness?.close();
  await removeManagedCapture(rest, src, captureConnector(declared, set), captureSlot(declared, set), [...topics]);
  await src?.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
  await src?.end();
  if (declared) await dropSchema(declared.warehouse.schema);
}, 180_000);

it('a cdc set captures every keyed table of the schema, and apply keeps the connector in step as tables come and go', async () => {
  // 1. Two keyed tables become managed cdc pipelines; the one without a key is left out, said why.
  const first = await discover();
  const d = await discoverTableSets(declared, createSecretProvider(declared.secrets), { store: false });
  expect(d.expansion.sets[0]!.tables.map((t) => [t.table, t.kind, t.key])).toEqual([
    ['customers', 'cdc', ['id']],
    ['orders', 'cdc', ['id']],
  ]);
  expect(d.expansion.sets[0]!.leftOut.map((l) => l.table)).toEqual([`${schema}.audit`]);
  expect(d.expansion.sets[0]!.leftOut[0]!.reason).toMatch(/^no primary key/);
  const created = await applyCaptures(first, createSecretProvider(first.secrets));
  expect(created.map((r) => [r.capture, r.action, r.error])).toEqual([[set, 'create', undefined]]);
  expect(await includeList()).toBe([`${schema}\\.customers`, `${schema}\\.orders`].join(','));
  harness = await startHarness(first, ['us']);
  await src.query(`UPDATE ${ident(schema)}.orders SET name = 'changed', amount = amount + 1 WHERE id <= 5`);
  await src.query(`DELETE FROM ${ident(schema)}.customers WHERE id = 7`);
  await untilEqual(first, 'orders');
  await untilEqual(first, 'customers');

  // 2. A table created at the source joins at the next apply; its pipeline is found by the running worker.
  await createTable('invoices', 25);
  const second = await discover();
  const joined = await applyCaptures(second, createSecretProvider(second.secrets));
  expect(joined.map((r) => [r.action, r.error])).toEqual([['update', undefined]]);
  expect(await includeList()).toContain(`${schema}\\.invoices`);
  await src.query(`INSERT INTO ${ident(schema)}.invoices VALUES (1001, 'new', 9.99)`);
  await untilEqual(second, 'invoices');

  // 3. A table dropped at the source leaves the include list; the others go on.
  await src.query(`DROP TABLE ${ident(schema)}.customers`);
  const third = await discover();
  expect(third.pipelines.map((p) => p.name)).not.toContain(pipelineOf('customers'));
  expect((await applyCaptures(third, createSecretProvider(third.secrets))).map((r) => [r.action, r.error])).toEqual([['update', undefined]]);
  expect(await includeList()).not.toContain(`${schema}\\.customers`);
  await src.query(`UPDATE ${ident(schema)}.orders SET name = 'after drop' WHERE id = 1`);
  await untilEqual(third, 'orders');
}, 600_000);
