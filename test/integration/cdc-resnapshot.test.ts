// Resnapshots through Debezium's signal table (tributary.debezium_signal) on the real connector:
//  - `tributary cdc resnapshot` (the CLI, its own process) of the whole table while the table
//    takes updates and deletes: it follows the snapshot's notifications and the pipeline's runs
//    to the end, and the warehouse then equals the source (count and checksum);
//  - a resnapshot of some keys only (--keys, Debezium's additional-conditions) re-reads exactly
//    those rows: a row changed by hand in the warehouse comes back, another one stays changed;
//  - `verify --repair` finds rows changed and added by hand in the warehouse and repairs them by a
//    resnapshot of exactly the drifted keys (and a delete of the key the source lacks).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TributaryConfig } from '../../config/schema.js';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { runVerify } from '../../client/verify.js';
import { removeCapture, runWhile, signalConnector, startSignalCapture, withSignalSecret } from './cdc-signal-fixture.js';
import type { Harness } from './harness.js';
import { STACK, withClient, writeConfigFile } from './stack.js';
import { runCli } from './cli-process.js';
import { topicStackConfig } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const name = `resnap_${randomBytes(4).toString('hex')}`;
const topic = `${name}.public.${name}`;
const notifications = `${name}.debezium.notifications`;
const COLUMNS = ['id', 'name', 'amount'];
const q = `public.${ident(name)}`;

let config: TributaryConfig;
let configFile: string;
let harness: Harness;
let src: pg.Client;
const target = () => `${ident(config.warehouse.schema)}.${ident(name)}`;

async function checksums() {
  const source = await tableChecksum(src, ['public', name], ['id'], COLUMNS);
  const warehouse = await withClient(STACK.warehouse, (w) => tableChecksum(w, [config.warehouse.schema, name], ['id'], COLUMNS).catch(() => null));
  return { source, warehouse };
}

/** Runs the pipeline until the promise settles. */
const whileRunning = <T>(work: Promise<T>): Promise<T> => runWhile(work, () => harness.run(name, 'us').then(() => undefined), 300);

const cli = (...args: string[]) => runCli(configFile, args);

beforeAll(async () => {
  const base = topicStackConfig([{ name, kind: 'cdc', source: 'events', regions: ['us'], topic, target: name, key: ['id'], options: { capturedFrom: { source: 'app', table: `public.${name}` } } }], { heartbeatTimeoutSeconds: 5 });
  config = withSignalSecret(base);
  configFile = writeConfigFile(config);
  ({ src, harness } = await startSignalCapture(config, name, 3000, signalConnector(name, notifications, { 'incremental.snapshot.chunk.size': '50' })));
  // The initial snapshot, applied.
  for (let i = 0; i < 120; i++) {
    await harness.run(name, 'us');
    const { source, warehouse } = await checksums();
    if (warehouse?.rows === source.rows && warehouse.checksum === source.checksum) break;
    await new Promise((r) => setTimeout(r, 500));
  }
}, 240_000);

afterAll(() => removeCapture(harness, src, config, name, [topic, notifications]), 180_000);

it('cdc resnapshot of the table while it takes updates and deletes follows it to the end, and the warehouse equals the source', async () => {
  expect(await checksums().then((c) => c.warehouse)).toEqual((await checksums()).source);
  // Stale rows the stream will not touch again: only the snapshot can bring them back.
  await withClient(STACK.warehouse, (w) => w.query(`UPDATE ${target()} SET name = 'stale' WHERE id BETWEEN 100 AND 140`));
  const command = cli('cdc', 'resnapshot', name, '--region', 'us', '--json');
  let seed = 77;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let finished = false;
  const load = (async () => {
    for (let i = 0; i < 300 && !finished; i++) {
      const id = 1 + Math.floor(random() * 3000);
      if (random() < 0.75) await src.query(`UPDATE ${q} SET name = name || '+', amount = amount + 1 WHERE id = $1`, [id]);
      else await src.query(`DELETE FROM ${q} WHERE id = $1`, [id]);
    }
  })();
  const r = await whileRunning(command.finally(() => void (finished = true)));
  await load;
  expect(r.code, r.stderr).toBe(0);
  const [out] = JSON.parse(r.stdout) as { region: string; result: { signal: { signalId: string; filter: string | null }; progress: { state: string; chunks: number; rowsScanned: number } } }[];
  expect(out!.result.signal.filter).toBeNull();
  expect(out!.result.progress).toMatchObject({ state: 'done' });
  expect(out!.result.progress.chunks).toBeGreaterThanOrEqual(50);
  expect(r.stderr).toMatch(/: done: \d+ rows re-read and applied/);
  // The changes made after the scan are the stream's: run until applied, then equal.
  for (let i = 0; i < 60; i++) {
    const { source, warehouse } = await checksums();
    if (warehouse?.rows === source.rows && warehouse.checksum === source.checksum) break;
    await harness.run(name, 'us');
  }
  const { source, warehouse } = await checksums();
  expect(warehouse).toEqual(source);
}, 600_000);

it('cdc resnapshot --keys re-reads exactly those keys', async () => {
  await withClient(STACK.warehouse, (w) => w.query(`UPDATE ${target()} SET name = 'by hand' WHERE id IN (2, 3, 4)`));
  const r = await whileRunning(cli('cdc', 'resnapshot', name, '--region', 'us', '--keys', '2,3', '--json'));
  expect(r.code, r.stderr).toBe(0);
  const [out] = JSON.parse(r.stdout) as { result: { signal: { filter: string }; progress: { rowsScanned: number } } }[];
  expect(out!.result.signal.filter).toBe(`"id" IN ('2', '3')`);
  const rows = await withClient(STACK.warehouse, (w) => w.query<{ id: string; name: string }>(`SELECT id, name FROM ${target()} WHERE id IN (2, 3, 4) ORDER BY id`));
  const at = await src.query<{ id: string; name: string }>(`SELECT id, name FROM ${q} WHERE id IN (2, 3) ORDER BY id`);
  expect(rows.rows.filter((x) => x.id !== '4')).toEqual(at.rows);
  expect(rows.rows.find((x) => x.id === '4')?.name).toBe('by hand');
  expect(out!.result.progress.rowsScanned).toBe(at.rows.length);
  // Put it back for the next test.
  await whileRunning(cli('cdc', 'resnapshot', name, '--region', 'us', '--keys', '4'));
}, 300_000);

it('verify --repair finds rows changed and added by hand and repairs them by a resnapshot of exactly those keys', async () => {
  const live = (await src.query<{ id: string }>(`SELECT id FROM ${q} ORDER BY id LIMIT 2`)).rows.map((x) => Number(x.id));
  await withClient(STACK.warehouse, async (w) => {
    await w.query(`UPDATE ${target()} SET name = 'changed by hand' WHERE id = ANY($1::bigint[])`, [live]);
    // A key the source never had, as a copy of a streamed row.
    await w.query(`CREATE TEMP TABLE extra AS SELECT * FROM ${target()} LIMIT 1`);
    await w.query(`UPDATE extra SET id = 999999, name = 'extra'`);
    await w.query(`INSERT INTO ${target()} SELECT * FROM extra`);
  });
  const drifted = await runVerify(harness.client, config, { pipeline: name, region: 'us', buckets: 16 });
  expect(drifted.before).toMatchObject({ kind: 'cdc', repairable: true });
  const counts = drifted.before.sources[0]!.drifted.reduce((n, d) => ({ changed: n.changed + d.changed, extra: n.extra + d.extra }), { changed: 0, extra: 0 });
  expect(counts).toEqual({ changed: 2, extra: 1 });
  const repaired = await whileRunning(runVerify(harness.client, config, { pipeline: name, region: 'us', buckets: 16, repair: true }));
  expect(repaired.repaired[0]).toMatchObject({ deleted: 1, resnapshot: { rowsScanned: 2 } });
  expect(repaired.after?.driftedBuckets).toBe(0);
  const { source, warehouse } = await checksums();
  expect(warehouse).toEqual(source);
}, 300_000);
