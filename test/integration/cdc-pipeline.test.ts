// The CDC pipeline through the real Debezium PostgreSQL connector on the local stack: three
// tables snapshotted (op r) while a few thousand random transactions stream (inserts, updates,
// deletes, primary-key changes, a TOASTed column both changed and left alone, a column added at
// the source), applied by repeated runs on a worker process that is SIGKILLed in the middle of
// batches, with the connector restarted meanwhile (it replays what it had not flushed). After
// that the warehouse equals the source, row for row (table 2 with soft deletes). Then the
// continuous workflow applies more changes on its own and reports its freshness, and a connector
// without JSON schemas is applied from the configured column types.
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { connectClient, startPipeline } from '../../client/run-pipeline.js';
import { taskQueue } from '../../names/temporal-ids.js';
import type { TributaryConfig } from '../../config/schema.js';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { cdcFreshnessQuery, cdcStopSignal, type cdcContinuous } from '../../workflows/cdc-continuous.js';
import { connectorConfig, connectRest, createPublication, registerConnector, removeConnector } from '../fixtures/debezium/connect.js';
import { STACK, connect, withClient, writeConfigFile } from './stack.js';
import { createTopic, dropSchema, killProcess, startWorkerProcess, topicStackConfig, waitForActivity, workerStarted } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const id = randomBytes(4).toString('hex');
const connector = `cdc_${id}`;
const TABLES = [0, 1, 2].map((i) => `cdc_t${i}_${id}`);
const topicOf = (t: string, prefix = connector) => `${prefix}.public.${t}`;
const CELL = 'us/cell-1';
const broker = STACK.kafka[CELL]!;
const COLUMNS = ['id', 'name', 'amount', 'qty', 'at', 'day', 'big'];
/** A table read by a connector without JSON schemas, decimals as strings, times in ms (connect). */
const plainConnector = `cdc_plain_${id}`;
const PLAIN = `cdc_plain_${id}`;
const PLAIN_COLUMNS = ['id', 'amount', 'at', 't', 'day', 'tz', 'big'];
/** Added at the source half-way through, to table 0. */
const NEW_COLUMN = 'note';

let config: TributaryConfig;
let configFile: string;
let client: Client;
let src: pg.Client;
let worker: ChildProcess | undefined;
let connectorUp = false;

// Seeded, so a failure can be replayed.
let seed = 20261127;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
/** Incompressible and over 2 kB with STORAGE EXTERNAL: always stored out of line (TOASTed). */
const toasted = () => `${randomBytes(1600).toString('hex')}`;

const live: Set<number>[] = TABLES.map(() => new Set());
const nextId = TABLES.map(() => 1);
let noteAdded = false;

async function startWorker(): Promise<void> {
  worker = startWorkerProcess(configFile, 'us');
  await workerStarted(worker);
}

function takeId(t: number): number | undefined {
  const ids = [...live[t]!];
  return ids.length === 0 ? undefined : pick(ids);
}

/** One random statement on a random table, inside the caller's transaction. */
async function randomChange(): Promise<void> {
  const t = Math.floor(random() * TABLES.length);
  const table = `public.${ident(TABLES[t]!)}`;
  const r = random();
  const existing = takeId(t);
  if (r < 0.35 || existing === undefined) {
    const n = nextId[t]!++;
    await src.query(`INSERT INTO ${table} (id, name, amount, qty, at, day, big) VALUES ($1, $2, $3, $4, now(), current_date - $4::int, $5)`, [
      n,
      `n${n}`,
      (random() * 1e6).toFixed(3),
      Math.floor(random() * 1000),
      toasted(),
    ]);
    live[t]!.add(n);
  } else if (r < 0.62) {
    // Leaves the TOASTed column alone: Debezium sends it as unavailable.
    const note = t === 0 && noteAdded ? `, ${ident(NEW_COLUMN)} = 'note ' || $3` : '';
    await src.query(`UPDATE ${table} SET name = name || '+', amount = amount + $2, at = now()${note} WHERE id = $1`, [existing, (random() * 100).toFixed(3), ...(note ? [existing] : [])]);
  } else if (r < 0.74) {
    await src.query(`UPDATE ${table} SET big = $2, qty = qty + 1 WHERE id = $1`, [existing, toasted()]);
  } else if (r < 0.86) {
    await src.query(`DELETE FROM ${table} WHERE id = $1`, [existing]);
    live[t]!.delete(existing);
  } else {
    // A primary-key change, leaving the TOASTed column alone (or not).
    const n = nextId[t]!++;
    const big = random() < 0.7 ? '' : ', big = md5(big)';
    await src.query(`UPDATE ${table} SET id = $2, qty = qty + 1${big} WHERE id = $1`, [existing, n]);
    live[t]!.delete(existing);
    live[t]!.add(n);
  }
}

async function transactions(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await src.query('BEGIN');
    const statements = 1 + Math.floor(random() * 3);
    for (let s = 0; s < statements; s++) await randomChange();
    await src.query('COMMIT');
  }
}

function columnsOf(t: number): string[] {
  return t === 0 && noteAdded ? [...COLUMNS, NEW_COLUMN] : COLUMNS;
}

/** What the warehouse holds of table t as the source has it: soft-deleted rows left out. */
const liveView = (t: number) => (t === 2 ? `${TABLES[t]!}_live` : TABLES[t]!);

async function checksums(t: number) {
  const cols = columnsOf(t);
  const source = await tableChecksum(src, ['public', TABLES[t]!], ['id'], cols);
  const warehouse = await withClient(STACK.warehouse, async (w) => {
    if (t === 2) {
      const [schema, table] = [ident(config.warehouse.schema), ident(TABLES[2]!)];
      const exists = await w.query<{ r: string | null }>(`SELECT to_regclass($1) AS r`, [`${config.warehouse.schema}.${TABLES[2]!}`]);
      if (exists.rows[0]!.r === null) return null;
      await w.query(`CREATE OR REPLACE VIEW ${schema}.${ident(liveView(2))} AS SELECT * FROM ${schema}.${table} WHERE NOT _deleted`);
    }
    return tableChecksum(w, [config.warehouse.schema, liveView(t)], ['id'], cols).catch(() => null);
  });
  return { source, warehouse };
}

/** On a mismatch, which keys differ and how (the checksums alone do not say). */
async function differences(t: number): Promise<string[]> {
  const cols = columnsOf(t).map(ident).join(', ');
  const read = async (c: pg.Client, table: string) =>
    new Map((await c.query<{ id: string; r: string }>(`SELECT id::text AS id, row(${cols})::text AS r FROM ${table}`)).rows.map((x) => [x.id, x.r]));
  const source = await read(src, `public.${ident(TABLES[t]!)}`);
  const warehouse = await withClient(STACK.warehouse, (w) => read(w, `${ident(config.warehouse.schema)}.${ident(liveView(t))}`));
  const out: string[] = [];
  for (const [id, r] of source) if (warehouse.get(id) !== r) out.push(`id ${id}: source ${r.slice(0, 120)} warehouse ${warehouse.get(id)?.slice(0, 120) ?? 'missing'}`);
  for (const id of warehouse.keys()) if (!source.has(id)) out.push(`id ${id}: not in the source`);
  return out;
}

async function allEqual(): Promise<boolean> {
  for (let t = 0; t < TABLES.length; t++) {
    const { source, warehouse } = await checksums(t);
    if (!warehouse || warehouse.rows !== source.rows || warehouse.checksum !== source.checksum) return false;
  }
  return true;
}

async function runAll(): Promise<WorkflowHandle[]> {
  return Promise.all(TABLES.map((_, i) => startPipeline(client, config, `cdc${i}`, 'us')));
}

beforeAll(async () => {
  config = topicStackConfig(
    TABLES.map((t, i) => ({
      name: `cdc${i}`,
      kind: 'cdc',
      source: 'events',
      regions: ['us'],
      topic: topicOf(t),
      target: t,
      key: ['id'],
      // Table 2 keeps deleted rows, marked _deleted.
      options: { maxMessagesPerPartition: 700, intervalSeconds: 1, deletes: i === 2 ? 'soft' : 'hard' },
    })).concat([
      {
        name: 'plain',
        kind: 'cdc',
        source: 'events',
        regions: ['us'],
        topic: topicOf(PLAIN, plainConnector),
        target: PLAIN,
        key: ['id'],
        options: {
          decimalHandlingMode: 'string',
          timePrecisionMode: 'connect',
          columnTypes: { id: 'bigint', amount: 'numeric(12,3)', at: 'timestamp(3) without time zone', t: 'time(3) without time zone', day: 'date', tz: 'timestamp with time zone', big: 'text' },
        },
      } as never,
    ]),
    { heartbeatTimeoutSeconds: 5 },
  );
  configFile = writeConfigFile(config);
  src = await connect(STACK.source.us!);
  for (const t of TABLES) {
    const q = `public.${ident(t)}`;
    await src.query(`CREATE TABLE ${q} (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,3), qty integer, at timestamptz, day date, big text)`);
    await src.query(`ALTER TABLE ${q} ALTER COLUMN big SET STORAGE EXTERNAL`);
    // Rows the snapshot reads (op r) while the workload below already streams.
    await src.query(
      `INSERT INTO ${q} (id, name, amount, qty, at, day, big)
       SELECT g, 'seed' || g, g * 1.5, g % 97, now() - g * interval '1 minute', date '2024-02-29' + g, repeat(md5(g::text), 70)
         FROM generate_series(1, 1500) g`,
    );
  }
  for (let t = 0; t < TABLES.length; t++) {
    for (let i = 1; i <= 1500; i++) live[t]!.add(i);
    nextId[t] = 1501;
  }
  // Table 1's topic has 3 partitions: a primary-key change then often spans two of them.
  await createTopic(CELL, topicOf(TABLES[1]!), 3);
  await createPublication(STACK.source.us!, connector, TABLES.map((t) => `public.${t}`));
  client = await connectClient(config);
  await startWorker();
}, 120_000);

afterAll(async () => {
  if (worker) await killProcess(worker);
  await client?.connection.close();
  await removeConnector(STACK.connect.us!, STACK.source.us!, broker, { connector, slot: connector, publication: connector, topics: TABLES.map((t) => topicOf(t)) });
  await removeConnector(STACK.connect.us!, STACK.source.us!, broker, { connector: plainConnector, slot: plainConnector, publication: plainConnector, topics: [topicOf(PLAIN, plainConnector)] });
  for (const t of [...TABLES, PLAIN]) await src?.query(`DROP TABLE IF EXISTS public.${ident(t)}`);
  await src?.end();
  if (config) await dropSchema(config.warehouse.schema);
}, 120_000);

it('applies snapshot and a few thousand random transactions exactly, through worker SIGKILLs and a connector restart', async () => {
  const registered = registerConnector(
    STACK.connect.us!,
    connector,
    connectorConfig('us', connector, TABLES.map((t) => `public.${t}`), { schemas: true, decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive_time_microseconds' }),
  );
  // Streaming changes start while the connector registers and snapshots.
  await transactions(300);
  await registered;
  connectorUp = true;

  const workload = transactions(1200).then(async () => {
    await src.query(`ALTER TABLE public.${ident(TABLES[0]!)} ADD COLUMN ${ident(NEW_COLUMN)} text`);
    noteAdded = true;
    await transactions(1500);
  });
  let workloadDone = false;
  void workload.finally(() => (workloadDone = true));

  let kills = 0;
  let rounds = 0;
  let restarted = false;
  while (!workloadDone || rounds < 3 || kills < 3) {
    const handles = await runAll();
    if (kills < 3) {
      // Kill the worker while a batch merges (or extracts): the retry on the new worker applies it once.
      await waitForActivity(handles[kills % handles.length]!, kills % 2 === 0 ? 'mergeStaged' : 'extractToStage').catch(() => undefined);
      await killProcess(worker!);
      kills++;
      await startWorker();
    }
    if (!restarted && rounds >= 1) {
      // The connector task restarts and replays events since its last flushed offset.
      // Throws on any answer but 2xx.
      await connectRest.post(STACK.connect.us!, `/connectors/${connector}/restart?includeTasks=true`);
      restarted = true;
    }
    await Promise.all(handles.map((h) => h.result()));
    rounds++;
  }
  await workload;
  expect(kills).toBe(3);

  // The connector catches up with the last transactions; runs apply them until both sides agree.
  for (let i = 0; i < 120 && !(await allEqual()); i++) {
    await Promise.all((await runAll()).map((h) => h.result()));
    await new Promise((r) => setTimeout(r, 500));
  }
  for (let t = 0; t < TABLES.length; t++) {
    const { source, warehouse } = await checksums(t);
    if (JSON.stringify(warehouse) !== JSON.stringify(source)) console.error(`table ${t} differs:\n${(await differences(t)).slice(0, 20).join('\n')}`);
    expect(warehouse, `table ${t}`).toEqual(source);
    expect(source.rows).toBeGreaterThan(1000);
  }
  const cols = await withClient(STACK.warehouse, (w) =>
    w.query<{ name: string }>(`SELECT column_name AS name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`, [config.warehouse.schema, TABLES[0]]),
  );
  expect(cols.rows.map((r) => r.name)).toContain(NEW_COLUMN);
  // Soft deletes kept the deleted rows, marked; rows moved away by a key change were kept for their new key.
  const schema = ident(config.warehouse.schema);
  const marked = await withClient(STACK.warehouse, (w) => w.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.${ident(TABLES[2]!)} WHERE _deleted AND _deleted_at IS NOT NULL`));
  expect(marked.rows[0]!.n).toBeGreaterThan(0);
  const moved = await withClient(STACK.warehouse, (w) => w.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.tributary_cdc_moved`));
  expect(moved.rows[0]!.n).toBeGreaterThan(0);
}, 900_000);

it('applies changes continuously and reports freshness', async () => {
  expect(connectorUp).toBe(true);
  const handle = await client.workflow.start<typeof cdcContinuous>('cdcContinuous', {
    taskQueue: taskQueue(config, 'us'),
    workflowId: `cdc-continuous/${config.temporal.taskQueuePrefix}/cdc0/us`,
    args: [{ pipeline: 'cdc0', region: 'us', intervalSeconds: 1, heartbeatTimeoutSeconds: 5, pollsPerRun: 5 }],
  });
  try {
    await transactions(300);
    const last = await src.query<{ ms: string }>(`SELECT (extract(epoch FROM max(at)) * 1000)::bigint::text AS ms FROM public.${ident(TABLES[0]!)}`);
    const lastCommitMs = Number(last.rows[0]!.ms);
    let equal = false;
    let f = await handle.query(cdcFreshnessQuery);
    for (let i = 0; i < 240 && !(equal && f.runs > 1); i++) {
      await new Promise((r) => setTimeout(r, 500));
      const { source, warehouse } = await checksums(0);
      equal = warehouse !== null && warehouse.rows === source.rows && warehouse.checksum === source.checksum;
      f = await handle.query(cdcFreshnessQuery);
    }
    const { source, warehouse } = await checksums(0);
    expect(warehouse).toEqual(source);
    expect(f.batches).toBeGreaterThan(0);
    expect(f.runs, 'continued as new at least once').toBeGreaterThan(1);
    expect(f.newestAppliedMs).not.toBeNull();
    // The newest applied change committed no earlier than the last row the workload touched.
    expect(f.newestAppliedMs!).toBeGreaterThanOrEqual(lastCommitMs - 1);
    expect(f.freshnessSeconds).not.toBeNull();
    expect(f.freshnessSeconds!).toBeGreaterThanOrEqual(0);
  } finally {
    await handle.signal(cdcStopSignal);
    await handle.result();
  }
}, 600_000);

it('applies a connector without JSON schemas (decimals as strings, times in ms) from the configured column types', async () => {
  const q = `public.${ident(PLAIN)}`;
  await src.query(`CREATE TABLE ${q} (id bigint PRIMARY KEY, amount numeric(12,3), at timestamp(3), t time(3), day date, tz timestamptz, big text)`);
  await src.query(`ALTER TABLE ${q} ALTER COLUMN big SET STORAGE EXTERNAL`);
  await src.query(
    `INSERT INTO ${q} SELECT g, g * 1.125, timestamp '2024-02-29 13:45:30.123' + g * interval '1 hour', time '13:45:30.123' + g * interval '1 second',
       date '0044-03-15' + g, timestamptz '2024-02-29 13:45:30.123456+02' + g * interval '1 day', repeat(md5(g::text), 70) FROM generate_series(1, 200) g`,
  );
  await createPublication(STACK.source.us!, plainConnector, [`public.${PLAIN}`]);
  await registerConnector(
    STACK.connect.us!,
    plainConnector,
    connectorConfig('us', plainConnector, [`public.${PLAIN}`], { schemas: false, decimalHandlingMode: 'string', timePrecisionMode: 'connect' }),
  );
  let next = 201;
  for (let i = 1; i <= 150; i++) {
    if (i % 5 === 0) await src.query(`DELETE FROM ${q} WHERE id = $1`, [i]);
    else if (i % 5 === 1) await src.query(`UPDATE ${q} SET id = $2, amount = -amount WHERE id = $1`, [i, next++]);
    else if (i % 5 === 2) await src.query(`UPDATE ${q} SET big = md5(big), at = at - interval '2 days' WHERE id = $1`, [i]);
    else await src.query(`UPDATE ${q} SET amount = amount + 0.001, t = t + interval '1 minute', day = day - 400 WHERE id = $1`, [i]);
  }
  const sum = () => tableChecksum(src, ['public', PLAIN], ['id'], PLAIN_COLUMNS);
  const loaded = () => withClient(STACK.warehouse, (w) => tableChecksum(w, [config.warehouse.schema, PLAIN], ['id'], PLAIN_COLUMNS).catch(() => null));
  for (let i = 0; i < 120 && JSON.stringify(await loaded()) !== JSON.stringify(await sum()); i++) {
    await (await startPipeline(client, config, 'plain', 'us')).result();
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(await loaded()).toEqual(await sum());
  expect((await sum()).rows).toBe(170);
}, 300_000);
