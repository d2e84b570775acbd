// CDC heals, through the real Debezium PostgreSQL connector on the local stack. One captured table
// is applied by three pipelines reading its topic: hard deletes, soft deletes, and one whose
// onTruncate policy is "fail". The connector emits truncates (skipped.operations=none).
//  - The gap: the connector, its Connect offsets and its replication slot are removed; rows
//    change, are deleted and inserted at the source; the connector is registered again (new slot,
//    snapshot.mode=initial). The re-snapshot repairs rows that were streamed before and deletes
//    the keys it no longer emits: both targets equal the source by count and checksum.
//  - A transaction open across a snapshot's start and committed after it: its change wins (the
//    connector's offsets are reset while its slot stays, so the snapshot's point is taken while
//    the transaction is open and its change streams afterwards, at an LSN no higher than it).
//  - A TRUNCATE, then new inserts: the targets end with exactly the new rows; the "fail"
//    pipeline fails naming pipeline, region, source and table.
//  - verify compares each target with the captured table (options.capturedFrom) and finds a row
//    changed by hand in the warehouse.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TributaryConfig } from '../../config/schema.js';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { createPublication, readTopic, registerConnector, removeConnector } from '../fixtures/debezium/connect.js';
import { healingConnector, removeKeepingTopic as removeGap } from './cdc-gap-fixture.js';
import { failureOf, startHarness, type Harness } from './harness.js';
import { runVerify, verifyArgs } from '../../client/verify.js';
import { STACK, connect, withClient } from './stack.js';
import { dropSchema, endOffsets, topicStackConfig } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const name = `heal_${randomBytes(4).toString('hex')}`;
const topic = `${name}.public.${name}`;
const SOFT = `${name}_soft`;
const STRICT = `${name}_strict`;
const COLUMNS = ['id', 'name', 'amount', 'at'];
const CONNECT = STACK.connect.us!;
const BROKER = STACK.kafka['us/cell-1']!;
const q = `public.${ident(name)}`;

let config: TributaryConfig;
let harness: Harness;
let src: pg.Client;

const connector = () => healingConnector(name);
const removeKeepingTopic = (opts: { keepSlot: boolean }) => removeGap(src, name, opts);

/** The warehouse table as the source has it: soft-deleted rows left out. */
async function liveView(target: string): Promise<string> {
  const schema = ident(config.warehouse.schema);
  if (target !== SOFT) return target;
  await withClient(STACK.warehouse, (w) => w.query(`CREATE OR REPLACE VIEW ${schema}.${ident(`${SOFT}_live`)} AS SELECT * FROM ${schema}.${ident(SOFT)} WHERE NOT _deleted`));
  return `${SOFT}_live`;
}

async function checksums(target: string) {
  const source = await tableChecksum(src, ['public', name], ['id'], COLUMNS);
  const view = await liveView(target).catch(() => null);
  const warehouse = view === null ? null : await withClient(STACK.warehouse, (w) => tableChecksum(w, [config.warehouse.schema, view], ['id'], COLUMNS).catch(() => null));
  return { source, warehouse };
}

async function equal(target: string): Promise<boolean> {
  const { source, warehouse } = await checksums(target);
  return warehouse !== null && warehouse.rows === source.rows && warehouse.checksum === source.checksum;
}

/** Runs both pipelines until their targets equal the source (the connector may still be catching up), then checks them. */
async function applyUntilEqual(): Promise<void> {
  for (let i = 0; i < 60 && !((await equal(name)) && (await equal(SOFT))); i++) {
    await harness.run(name, 'us');
    await harness.run(SOFT, 'us');
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const target of [name, SOFT]) {
    const { source, warehouse } = await checksums(target);
    expect(warehouse, target).toEqual(source);
  }
}

const warehouseRow = async (target: string, id: number) =>
  (await withClient(STACK.warehouse, (w) => w.query<Record<string, unknown>>(`SELECT * FROM ${ident(config.warehouse.schema)}.${ident(target)} WHERE id = $1`, [id]))).rows[0];

type Event = { payload: { op: string; after: Record<string, unknown> | null; source: { snapshot: string; lsn: number } } };

/** The topic's events past `from` (offsets per partition), once one of them satisfies `done`. */
async function eventsFrom(from: Map<number, number>, done: (e: Event) => boolean): Promise<Event[]> {
  const after = (r: { partition: number; offset: string; value: string | null }) => r.value !== null && Number(r.offset) >= (from.get(r.partition) ?? 0);
  const all = await readTopic(BROKER, topic, (rs) => rs.some((r) => after(r) && done(JSON.parse(r.value!) as Event)));
  return all.filter(after).map((r) => JSON.parse(r.value!) as Event);
}

beforeAll(async () => {
  const pipeline = (p: string, options: Record<string, unknown>) => ({ name: p, kind: 'cdc', source: 'events', regions: ['us'], topic, target: p, key: ['id'], options: { intervalSeconds: 1, ...options } });
  const capturedFrom = { source: 'app', table: `public.${name}` };
  config = topicStackConfig([pipeline(name, { deletes: 'hard', capturedFrom }), pipeline(SOFT, { deletes: 'soft', capturedFrom }), pipeline(STRICT, { onTruncate: 'fail' })], {
    heartbeatTimeoutSeconds: 5,
  });
  src = await connect(STACK.source.us!);
  await src.query(`CREATE TABLE ${q} (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,3), at timestamptz)`);
  await src.query(`INSERT INTO ${q} SELECT g, 'seed' || g, g * 1.5, timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, 300) g`);
  await createPublication(STACK.source.us!, name, [`public.${name}`]);
  harness = await startHarness(config, ['us']);
}, 180_000);

afterAll(async () => {
  await harness?.close();
  await removeConnector(CONNECT, STACK.source.us!, BROKER, { connector: name, slot: name, publication: name, topics: [topic] });
  await src?.query(`DROP TABLE IF EXISTS ${q}`);
  await src?.end();
  if (config) await dropSchema(config.warehouse.schema);
}, 180_000);

it('a re-snapshot after a gap (connector, offsets and slot removed) repairs streamed rows and deletes keys gone at the source', async () => {
  await registerConnector(CONNECT, name, connector());
  // Streamed before the gap: these rows were last written by streamed changes, not by the snapshot.
  await src.query(`UPDATE ${q} SET name = name || ' (streamed)', amount = amount + 1 WHERE id <= 40`);
  await src.query(`DELETE FROM ${q} WHERE id BETWEEN 41 AND 45`);
  await applyUntilEqual();

  await removeKeepingTopic({ keepSlot: false });
  // The gap: nothing captures these.
  await src.query(`UPDATE ${q} SET name = name || ' (gap)', amount = amount + 100 WHERE id IN (1, 2, 3, 100, 101)`);
  await src.query(`UPDATE ${q} SET name = 'renamed in the gap' WHERE id BETWEEN 10 AND 14`);
  await src.query(`DELETE FROM ${q} WHERE id IN (5, 6, 7, 200, 201, 202, 203, 204, 205, 206)`);
  await src.query(`INSERT INTO ${q} SELECT g, 'gap insert ' || g, g, now() FROM generate_series(1001, 1005) g`);
  expect(await equal(name)).toBe(false);

  await registerConnector(CONNECT, name, connector());
  await applyUntilEqual();
  expect((await checksums(name)).source.rows).toBe(300 - 5 - 10 + 5);
  // Soft deletes mark the keys the snapshot no longer emitted.
  const gone = await warehouseRow(SOFT, 200);
  expect(gone?._deleted).toBe(true);
  expect(await warehouseRow(name, 200)).toBeUndefined();
}, 600_000);

it('a transaction open across the snapshot start and committed after it wins over the snapshot row', async () => {
  await removeKeepingTopic({ keepSlot: true });
  const from = await endOffsets('us/cell-1', topic);
  const tx = await connect(STACK.source.us!);
  try {
    await tx.query('BEGIN');
    await tx.query(`UPDATE ${q} SET name = 'open across the snapshot', amount = 4242 WHERE id = 50`);
    await tx.query(`INSERT INTO ${q} VALUES (2001, 'inserted across the snapshot', 1, now())`);
    await registerConnector(CONNECT, name, connector());
    // The snapshot is in the topic (it cannot see the open transaction) before the transaction commits.
    const snapshot = await eventsFrom(from, (e) => e.payload.source.snapshot === 'last');
    expect(snapshot.find((r) => r.payload.after?.id === 50)?.payload.after?.name).not.toBe('open across the snapshot');
    await tx.query('COMMIT');
  } finally {
    await tx.end();
  }
  const all = await eventsFrom(from, (e) => e.payload.op === 'u' && e.payload.source.snapshot === 'false');
  const snapshotLsn = all.find((r) => r.payload.source.snapshot === 'last')!.payload.source.lsn;
  const streamed = all.find((r) => r.payload.op === 'u')!;
  // The change streamed after the snapshot is no newer than the snapshot's point by its LSN (the
  // connector reports it at the point it streams from, which is the snapshot's): LSNs alone do not
  // order it after the snapshot, its place in the topic does.
  expect(streamed.payload.source.lsn).toBeLessThanOrEqual(snapshotLsn);
  await applyUntilEqual();
  expect((await warehouseRow(name, 50))?.name).toBe('open across the snapshot');
  expect((await warehouseRow(name, 2001))?.name).toBe('inserted across the snapshot');
}, 600_000);

it('a TRUNCATE then new inserts leave exactly the new rows; the "fail" policy fails naming the table', async () => {
  await src.query(`TRUNCATE ${q}`);
  await src.query(`INSERT INTO ${q} SELECT g, 'after truncate ' || g, g, now() FROM generate_series(5001, 5007) g`);
  await applyUntilEqual();
  expect((await checksums(name)).source.rows).toBe(7);
  const soft = await withClient(STACK.warehouse, (w) => w.query<{ live: number; deleted: number }>(
    `SELECT count(*) FILTER (WHERE NOT _deleted)::int AS live, count(*) FILTER (WHERE _deleted)::int AS deleted FROM ${ident(config.warehouse.schema)}.${ident(SOFT)}`,
  ));
  expect(soft.rows[0]!.live).toBe(7);
  expect(soft.rows[0]!.deleted).toBeGreaterThan(250);
  expect(await failureOf(harness.run(STRICT, 'us'))).toMatch(new RegExp(`^pipeline ${STRICT}, region us, source [^:]+: table public\\.${name} was truncated at the source .*onTruncate policy is "fail"`));
}, 600_000);

it('verify compares a CDC target with the captured table and finds a row changed by hand in the warehouse', async () => {
  for (const target of [name, SOFT]) {
    const clean = await runVerify(harness.client, config, { pipeline: target, region: 'us', buckets: 8 });
    expect(clean.before).toMatchObject({ kind: 'cdc', driftedBuckets: 0 });
    expect(clean.before.sources[0]).toMatchObject({ sourceRows: 7, warehouseRows: 7 });
    await withClient(STACK.warehouse, (w) => w.query(`UPDATE ${ident(config.warehouse.schema)}.${ident(target)} SET name = 'changed by hand' WHERE id = 5003`));
    const drifted = await runVerify(harness.client, config, { pipeline: target, region: 'us', buckets: 8 });
    expect(drifted.before.driftedBuckets).toBe(1);
    expect(drifted.before.sources[0]!.drifted).toEqual([expect.objectContaining({ missing: 0, extra: 0, changed: 1 })]);
  }
  expect(() => verifyArgs(config, { pipeline: name, region: 'us', repair: true })).toThrow(/set signalSecret on the server/);
  expect(() => verifyArgs(config, { pipeline: STRICT, region: 'us' })).toThrow(/capturedFrom/);
}, 300_000);
