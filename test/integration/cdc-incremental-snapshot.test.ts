// An incremental snapshot through Debezium's signal table while the table takes updates, deletes
// and inserts. The connector starts without an initial snapshot (snapshot.mode=no_data), so rows
// the workload never touches reach the warehouse only through the snapshot's chunks (op r,
// source.snapshot "incremental"), interleaved with streamed changes in the topic. Afterwards the
// warehouse equals the source (count and checksum): no chunk row replaced a newer streamed change.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TributaryConfig } from '../../config/schema.js';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { connectorConfig, createPublication, readTopic, registerConnector, removeConnector } from '../fixtures/debezium/connect.js';
import { startHarness, type Harness } from './harness.js';
import { STACK, connect, withClient } from './stack.js';
import { dropSchema, topicStackConfig } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const name = `incr_${randomBytes(4).toString('hex')}`;
const signal = `${name}_signal`;
const topic = `${name}.public.${name}`;
const COLUMNS = ['id', 'name', 'amount', 'at'];
const q = `public.${ident(name)}`;

let config: TributaryConfig;
let harness: Harness;
let src: pg.Client;

let seed = 4242;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

async function checksums() {
  const source = await tableChecksum(src, ['public', name], ['id'], COLUMNS);
  const warehouse = await withClient(STACK.warehouse, (w) => tableChecksum(w, [config.warehouse.schema, name], ['id'], COLUMNS).catch(() => null));
  return { source, warehouse };
}

beforeAll(async () => {
  config = topicStackConfig([{ name, kind: 'cdc', source: 'events', regions: ['us'], topic, target: name, key: ['id'], options: { maxMessagesPerPartition: 300 } }], { heartbeatTimeoutSeconds: 5 });
  src = await connect(STACK.source.us!);
  await src.query(`CREATE TABLE ${q} (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,3), at timestamptz)`);
  await src.query(`INSERT INTO ${q} SELECT g, 'seed' || g, g * 1.5, timestamptz '2026-01-01' + g * interval '1 second' FROM generate_series(1, 1500) g`);
  // Debezium's signal table: it must be in the publication, so the connector sees its window marks.
  await src.query(`CREATE TABLE public.${ident(signal)} (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))`);
  await src.query(`GRANT SELECT, INSERT ON public.${ident(signal)} TO tributary_cdc`).catch(() => undefined);
  await createPublication(STACK.source.us!, name, [`public.${name}`, `public.${signal}`]);
  harness = await startHarness(config, ['us']);
}, 180_000);

afterAll(async () => {
  await harness?.close();
  await removeConnector(STACK.connect.us!, STACK.source.us!, STACK.kafka['us/cell-1']!, { connector: name, slot: name, publication: name, topics: [topic] });
  await src?.query(`DROP TABLE IF EXISTS ${q}`);
  await src?.query(`DROP TABLE IF EXISTS public.${ident(signal)}`);
  await src?.end();
  if (config) await dropSchema(config.warehouse.schema);
}, 180_000);

it('an incremental snapshot interleaved with updates, deletes and inserts ends equal to the source', async () => {
  await registerConnector(STACK.connect.us!, name, {
    ...connectorConfig('us', name, [`public.${name}`], { schemas: true, decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive_time_microseconds' }),
    'snapshot.mode': 'no_data',
    'signal.enabled.channels': 'source',
    'signal.data.collection': `public.${signal}`,
    'incremental.snapshot.chunk.size': '20',
  });
  // Streaming runs: a change before the snapshot is asked for.
  await src.query(`UPDATE ${q} SET name = name || ' (before)' WHERE id <= 10`);
  await src.query(`INSERT INTO public.${ident(signal)} VALUES ('snap-1', 'execute-snapshot', $1)`, [JSON.stringify({ 'data-collections': [`public.${name}`], type: 'incremental' })]);
  // The workload runs for as long as the snapshot emits its chunks (at most 600 changes, so enough
  // rows are left for it to emit), so streamed changes land between chunk rows however fast
  // either side goes on the machine.
  const incremental = (v: string | null) => v?.includes('"snapshot":"incremental"') === true;
  let snapshotDone = false;
  const watched = readTopic(STACK.kafka['us/cell-1']!, topic, (rs) => rs.filter((r) => incremental(r.value)).length >= 1000, 180_000).finally(() => {
    snapshotDone = true;
  });
  watched.catch(() => undefined); // awaited below; a failure then fails the test
  let next = 1501;
  for (let i = 0; i < 600 && !snapshotDone; i++) {
    const id = 1 + Math.floor(random() * 1500);
    const r = random();
    if (r < 0.6) await src.query(`UPDATE ${q} SET name = name || '+', amount = amount + 1, at = now() WHERE id = $1`, [id]);
    else if (r < 0.8) await src.query(`DELETE FROM ${q} WHERE id = $1`, [id]);
    else await src.query(`INSERT INTO ${q} VALUES ($1, $2, $3, now())`, [next, `n${next++}`, (random() * 1e4).toFixed(3)]);
    if (i % 50 === 0) await harness.run(name, 'us');
  }
  // The snapshot's chunks are in the topic (they carry no source.lsn, only source.sequence), and
  // in some partition a streamed change sits between two chunk rows: they interleave.
  const records = await watched;
  const interleaved = records.some((r) => {
    if (r.value === null || incremental(r.value)) return false;
    const same = records.filter((x) => x.partition === r.partition);
    const at = same.indexOf(r);
    return same.slice(0, at).some((x) => incremental(x.value)) && same.slice(at + 1).some((x) => incremental(x.value));
  });
  expect(interleaved).toBe(true);
  for (let i = 0; i < 120; i++) {
    const { source, warehouse } = await checksums();
    if (warehouse && warehouse.rows === source.rows && warehouse.checksum === source.checksum) break;
    await harness.run(name, 'us');
    await new Promise((r) => setTimeout(r, 500));
  }
  const { source, warehouse } = await checksums();
  expect(warehouse).toEqual(source);
  expect(source.rows).toBeGreaterThan(1000);
}, 600_000);
