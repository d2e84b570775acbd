// Gap deletes of incremental snapshots, through the real Debezium connector and its signal table.
// One captured table (a bigint key) is applied by two pipelines reading its topic: hard and soft
// deletes. The gap: the connector, its offsets and its slot are removed, keys are deleted and rows
// changed at the source, and the connector is registered again streaming only (snapshot.mode
// no_data), so nothing but a resnapshot can find the deleted keys.
//  - `cdc resnapshot` of the table while it takes updates, deletes, inserts and re-inserts of keys
//    deleted in the gap: the gap's keys are deleted chunk window by chunk window (and the rest at
//    the end), exactly those, and the target then equals the source (count and checksum): no row
//    changed since the signal was removed.
//  - a resnapshot of given keys (--keys) deletes only among them: one gap key of the list is marked
//    deleted, another outside it stays; a resnapshot of the whole table then marks the rest.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TributaryConfig } from '../../config/schema.js';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { startResnapshot } from '../../client/resnapshot.js';
import { registerConnector } from '../fixtures/debezium/connect.js';
import { removeCapture, runWhile, signalConnector, startSignalCapture, withSignalSecret } from './cdc-signal-fixture.js';
import { removeKeepingTopic } from './cdc-gap-fixture.js';
import type { Harness } from './harness.js';
import { STACK, withClient } from './stack.js';
import { topicStackConfig } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const name = `chunkdel_${randomBytes(4).toString('hex')}`;
const SOFT = `${name}_soft`;
const topic = `${name}.public.${name}`;
const notifications = `${name}.debezium.notifications`;
const COLUMNS = ['id', 'name', 'amount'];
const ROWS = 20000;
const q = `public.${ident(name)}`;

let config: TributaryConfig;
let harness: Harness;
let src: pg.Client;
const target = (t: string) => `${ident(config.warehouse.schema)}.${ident(t)}`;

let seed = 2323;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

const connector = (mode: string) => signalConnector(name, notifications, { 'snapshot.mode': mode, 'incremental.snapshot.chunk.size': '20' });

/** The target as the source has it: soft-deleted rows left out. */
async function checksums(t: string) {
  const source = await tableChecksum(src, ['public', name], ['id'], COLUMNS);
  const view = t === SOFT ? `${SOFT}_live` : t;
  const warehouse = await withClient(STACK.warehouse, async (w) => {
    if (t === SOFT) await w.query(`CREATE OR REPLACE VIEW ${target(view)} AS SELECT * FROM ${target(SOFT)} WHERE NOT _deleted`);
    return tableChecksum(w, [config.warehouse.schema, view], ['id'], COLUMNS);
  }).catch(() => null);
  return { source, warehouse };
}

const equal = async (t: string) => {
  const { source, warehouse } = await checksums(t);
  return warehouse !== null && warehouse.rows === source.rows && warehouse.checksum === source.checksum;
};

async function runBoth(): Promise<void> {
  await harness.run(name, 'us');
  await harness.run(SOFT, 'us');
}

/** Live warehouse keys among `ids`. */
async function liveKeys(t: string, ids: number[]): Promise<number[]> {
  const deleted = t === SOFT ? ' AND NOT _deleted' : '';
  const r = await withClient(STACK.warehouse, (w) => w.query<{ id: string }>(`SELECT id FROM ${target(t)} WHERE id = ANY($1::bigint[])${deleted} ORDER BY id`, [ids]));
  return r.rows.map((x) => Number(x.id));
}

/** Runs both pipelines (after `alongside`) until the promise settles. */
const whileRunning = <T>(work: Promise<T>, alongside: () => Promise<void> = () => Promise.resolve()): Promise<T> =>
  runWhile(
    work,
    async () => {
      await alongside();
      await runBoth();
    },
    200,
  );

/** Keys deleted at the source in the gap: spread over the whole key range, so over many chunks. */
const gapKeys = Array.from({ length: Math.floor(ROWS / 37) }, (_, i) => 37 * (i + 1));

beforeAll(async () => {
  const capturedFrom = { source: 'app', table: `public.${name}` };
  const pipeline = (p: string, deletes: string) => ({ name: p, kind: 'cdc', source: 'events', regions: ['us'], topic, target: p, key: ['id'], options: { deletes, capturedFrom } });
  const base = topicStackConfig([pipeline(name, 'hard'), pipeline(SOFT, 'soft')], { heartbeatTimeoutSeconds: 5 });
  config = withSignalSecret(base);
  ({ src, harness } = await startSignalCapture(config, name, ROWS, connector('initial')));
  for (let i = 0; i < 120 && !((await equal(name)) && (await equal(SOFT))); i++) {
    await runBoth();
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(await checksums(name).then((c) => c.warehouse)).toEqual((await checksums(name)).source);
}, 300_000);

afterAll(() => removeCapture(harness, src, config, name, [topic, notifications]), 180_000);

it('a resnapshot after a gap deletes the keys gone at the source chunk window by chunk window, and no row changed since', async () => {
  await removeKeepingTopic(src, name, { keepSlot: false });
  await src.query(`DELETE FROM ${q} WHERE id = ANY($1::bigint[])`, [gapKeys]);
  await src.query(`UPDATE ${q} SET name = name || ' (gap)', amount = amount + 100 WHERE id % 41 = 0`);
  await registerConnector(STACK.connect.us!, name, connector('no_data'));
  expect(await liveKeys(name, gapKeys)).toEqual(gapKeys);
  // Streaming again (a change made before the new slot existed would be one more key of the gap).
  await src.query(`UPDATE ${q} SET name = 'streamed after the gap' WHERE id = 1`);
  for (let i = 0; i < 120; i++) {
    const row = await withClient(STACK.warehouse, (w) => w.query<{ name: string }>(`SELECT name FROM ${target(name)} WHERE id = 1`));
    if (row.rows[0]?.name === 'streamed after the gap') break;
    await src.query(`UPDATE ${q} SET name = 'streamed after the gap' WHERE id = 1`);
    await runBoth();
    await new Promise((r) => setTimeout(r, 500));
  }

  const handle = await startResnapshot(harness.client, config, { pipeline: name, region: 'us', options: { pollSeconds: 0.5 } });
  // While it runs: changes everywhere, and some keys deleted in the gap inserted again (before or
  // after their chunk): those must stay.
  const reinserted = new Set<number>();
  let next = ROWS + 1;
  let ops = 0;
  const workload = async () => {
    for (let i = 0; i < 5 && ops < 400; i++, ops++) {
      const r = random();
      const id = 1 + Math.floor(random() * ROWS);
      if (r < 0.55) await src.query(`UPDATE ${q} SET name = name || '+', amount = amount + 1 WHERE id = $1`, [id]);
      else if (r < 0.75) await src.query(`DELETE FROM ${q} WHERE id = $1`, [id]);
      else if (r < 0.85) await src.query(`INSERT INTO ${q} VALUES ($1, $2, 1)`, [next, `new ${next++}`]);
      else {
        const gone = gapKeys.filter((k) => !reinserted.has(k));
        const k = gone[Math.floor(random() * gone.length)]!;
        reinserted.add(k);
        await src.query(`INSERT INTO ${q} VALUES ($1, 'inserted again', 2) ON CONFLICT (id) DO NOTHING`, [k]);
      }
    }
  };
  const result = await whileRunning(handle.result(), workload);
  expect(result.progress.state).toBe('done');
  expect(result.signal.gapDeletes).toMatchObject({ keys: null, byRange: true });
  // Exactly the gap's keys not inserted again, most of them by chunk windows before the end.
  const stale = gapKeys.filter((k) => !reinserted.has(k));
  expect(reinserted.size).toBeGreaterThan(0);
  for (let i = 0; i < 60 && !(await equal(name)); i++) await harness.run(name, 'us');
  const { source, warehouse } = await checksums(name);
  expect(warehouse).toEqual(source);
  expect(await liveKeys(name, stale)).toEqual([]);
  // Every key of the gap not inserted again, and no other key: a key inserted again after its old
  // row was deleted counts too (the old row was stale; the new one came after).
  const said = `${JSON.stringify(result.gapDeletes)}, ${stale.length} keys of the gap not inserted again, ${gapKeys.length} in all`;
  expect(result.gapDeletes?.deleted, said).toBeGreaterThanOrEqual(stale.length);
  expect(result.gapDeletes?.deleted, said).toBeLessThanOrEqual(gapKeys.length);
  expect(result.gapDeletes?.inChunks, said).toBeGreaterThan(0);
  // At least one chunk window's step and the end's; how many windows a run sees depends on how
  // the connector's read and the runs interleave on the machine, so no more is asserted.
  expect(result.gapDeletes?.steps, said).toBeGreaterThanOrEqual(2);
}, 600_000);

it('a resnapshot of given keys deletes only among them; one of the whole table deletes the rest (soft deletes)', async () => {
  // The soft pipeline applied the same topic but had no resnapshot of its own: it keeps the gap's keys.
  for (let i = 0; i < 60; i++) await harness.run(SOFT, 'us');
  const atSource = new Set((await src.query<{ id: string }>(`SELECT id FROM ${q} WHERE id = ANY($1::bigint[])`, [gapKeys])).rows.map((r) => Number(r.id)));
  const stale = (await liveKeys(SOFT, gapKeys)).filter((k) => !atSource.has(k));
  expect(stale.length).toBeGreaterThan(10);
  const [inList, outside] = [stale[0]!, stale[1]!];
  const live = 5;
  const some = await whileRunning((await startResnapshot(harness.client, config, { pipeline: SOFT, region: 'us', keys: [[String(inList)], [String(live)]], options: { pollSeconds: 1 } })).result());
  expect(some.signal.gapDeletes).toMatchObject({ keys: [[String(inList)], [String(live)]] });
  expect(some.gapDeletes?.deleted).toBe(1);
  expect(await liveKeys(SOFT, [inList, outside, live])).toEqual([outside, live].sort((a, b) => a - b));
  const marked = await withClient(STACK.warehouse, (w) => w.query<{ _deleted: boolean }>(`SELECT _deleted FROM ${target(SOFT)} WHERE id = $1`, [inList]));
  expect(marked.rows[0]?._deleted).toBe(true);

  const all = await whileRunning((await startResnapshot(harness.client, config, { pipeline: SOFT, region: 'us', options: { pollSeconds: 1 } })).result());
  expect(all.gapDeletes?.deleted).toBe(stale.length - 1);
  for (let i = 0; i < 60 && !(await equal(SOFT)); i++) await harness.run(SOFT, 'us');
  const { source, warehouse } = await checksums(SOFT);
  expect(warehouse).toEqual(source);
}, 600_000);
