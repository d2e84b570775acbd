// A re-snapshot after a CDC gap spread over many small batches and three partitions, applied by a
// worker process that is SIGKILLed while batches merge (the retry on the restarted worker applies
// each batch once). The snapshot is opened, marked closing and closed through the ledger across
// batches; its gap deletes run once, in the merge that closes it. Afterwards the target equals the
// source by count and checksum, and the snapshot ledger holds no open snapshot.
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { connectClient, startPipeline } from '../../client/run-pipeline.js';
import type { TributaryConfig } from '../../config/schema.js';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { createPublication, registerConnector, removeConnector } from '../fixtures/debezium/connect.js';
import { healingConnector, removeKeepingTopic } from './cdc-gap-fixture.js';
import { STACK, connect, withClient, writeConfigFile } from './stack.js';
import { createTopic, dropSchema, killProcess, startWorkerProcess, topicStackConfig, waitForActivity, workerStarted } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const name = `gapkill_${randomBytes(4).toString('hex')}`;
const topic = `${name}.public.${name}`;
const COLUMNS = ['id', 'name', 'amount', 'at'];
const q = `public.${ident(name)}`;

let config: TributaryConfig;
let configFile: string;
let client: Client;
let src: pg.Client;
let worker: ChildProcess | undefined;

async function startWorker(): Promise<void> {
  worker = startWorkerProcess(configFile, 'us');
  await workerStarted(worker);
}

async function checksums() {
  const source = await tableChecksum(src, ['public', name], ['id'], COLUMNS);
  const warehouse = await withClient(STACK.warehouse, (w) => tableChecksum(w, [config.warehouse.schema, name], ['id'], COLUMNS).catch(() => null));
  return { source, warehouse };
}

async function applyUntilEqual(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const { source, warehouse } = await checksums();
    if (warehouse && warehouse.rows === source.rows && warehouse.checksum === source.checksum) break;
    await (await startPipeline(client, config, name, 'us')).result();
    await new Promise((r) => setTimeout(r, 500));
  }
  const { source, warehouse } = await checksums();
  expect(warehouse).toEqual(source);
}

beforeAll(async () => {
  // Small batches: the snapshot of 1,200 rows takes many of them.
  config = topicStackConfig([{ name, kind: 'cdc', source: 'events', regions: ['us'], topic, target: name, key: ['id'], options: { maxMessagesPerPartition: 30, maxBatchesPerRun: 2 } }], {
    heartbeatTimeoutSeconds: 5,
  });
  configFile = writeConfigFile(config);
  src = await connect(STACK.source.us!);
  await src.query(`CREATE TABLE ${q} (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,3), at timestamptz)`);
  await src.query(`INSERT INTO ${q} SELECT g, 'seed' || g, g * 1.5, timestamptz '2026-01-01' + g * interval '1 second' FROM generate_series(1, 1200) g`);
  await createTopic('us/cell-1', topic, 3);
  await createPublication(STACK.source.us!, name, [`public.${name}`]);
  client = await connectClient(config);
  await startWorker();
}, 180_000);

afterAll(async () => {
  if (worker) await killProcess(worker);
  await client?.connection.close();
  await removeConnector(STACK.connect.us!, STACK.source.us!, STACK.kafka['us/cell-1']!, { connector: name, slot: name, publication: name, topics: [topic] });
  await src?.query(`DROP TABLE IF EXISTS ${q}`);
  await src?.end();
  if (config) await dropSchema(config.warehouse.schema);
}, 180_000);

it('a re-snapshot over many batches closes once through worker SIGKILLs: rows changed and deleted in the gap are right', async () => {
  await registerConnector(STACK.connect.us!, name, healingConnector(name));
  await src.query(`UPDATE ${q} SET name = name || ' (streamed)' WHERE id % 7 = 0`);
  await applyUntilEqual();

  await removeKeepingTopic(src, name, { keepSlot: false });
  await src.query(`UPDATE ${q} SET name = name || ' (gap)', amount = amount + 100 WHERE id % 11 = 0`);
  await src.query(`DELETE FROM ${q} WHERE id % 13 = 0`);
  await src.query(`INSERT INTO ${q} SELECT g, 'gap insert ' || g, g, now() FROM generate_series(5001, 5020) g`);
  await registerConnector(STACK.connect.us!, name, healingConnector(name));

  // Kill the worker while a batch of the snapshot merges, three times; each time it starts again.
  let kills = 0;
  for (let runs = 0; kills < 3 && runs < 60; runs++) {
    const handle = await startPipeline(client, config, name, 'us');
    // A run that found nothing to merge yet (the connector still snapshotting) ends before it.
    const merging = await waitForActivity(handle, 'mergeStaged').then(
      () => true,
      () => false,
    );
    if (merging) {
      await killProcess(worker!);
      kills++;
      await startWorker();
    }
    await handle.result();
  }
  expect(kills).toBe(3);
  await applyUntilEqual();
  const { source } = await checksums();
  expect(source.rows).toBe(1200 - Math.floor(1200 / 13) + 20);
  // Closed: no snapshot is left open in the ledger, and the epochs of the partitions moved to its point.
  const schema = ident(config.warehouse.schema);
  const open = await withClient(STACK.warehouse, (w) => w.query(`SELECT * FROM ${schema}.tributary_cdc_snapshots WHERE pipeline = $1`, [name]));
  expect(open.rows).toEqual([]);
  const epochs = await withClient(STACK.warehouse, (w) => w.query<{ n: number }>(`SELECT count(DISTINCT epoch_lsn)::int AS n FROM ${schema}.tributary_cdc_epochs WHERE pipeline = $1`, [name]));
  expect(epochs.rows[0]!.n).toBe(1);
}, 900_000);
