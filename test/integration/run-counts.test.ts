// Runs that prove their counts, on the local stack (PostgreSQL sources and warehouse, the local S3
// server, Kafka, Temporal): a merge whose staged S3 object was cut short between extract and
// merge fails at once and commits nothing; a dimension whose warehouse table lost a row by hand
// makes the next run fail naming the difference; a normal run's ledger rows hold counts that add
// up, for fact, dimension, topic and CDC pipelines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { validateConfig } from '../../config/load.js';
import { targetTable } from '../../config/resolve.js';
import type { TributaryConfig } from '../../config/schema.js';
import { createDeps } from '../../activities/deps.js';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { S3Stage, s3Client, type S3StageConfig } from '../../activities/stage/s3-stage.js';
import { ROOT, STACK, s3StageConfig, stackConfig, uniqueName, withClient } from './stack.js';
import { createFactTable, dropFactTable, dropSchema } from './fact-fixture.js';
import { failureOf, startHarness, type Harness } from './harness.js';
import { clicks, createTopic, deleteTopic, produce, topicStackConfig } from './topic-fixture.js';
import { createCdcTable, type CdcTable } from './cdc-table.js';

const { escapeIdentifier: ident } = pg;
const ENDPOINT = process.env.TRIBUTARY_S3_ENDPOINT ?? 'http://127.0.0.1:59000';
const BUCKET = process.env.TRIBUTARY_S3_BUCKET ?? 'tributary-stage';
const secrets = createSecretProvider({ provider: 'file', path: process.env.TRIBUTARY_SECRETS_FILE ?? join(ROOT, 'infra/local/secrets.json'), ttlSeconds: 60 });
const prefix = `test-run-counts-${randomBytes(4).toString('hex')}/`;
const stageConfig = s3StageConfig(prefix, { retentionDays: 1 });

interface LedgerRow {
  batch_id: string;
  rows_read: string | null;
  rows_staged: string;
  inserted: string;
  updated: string;
  unchanged: string;
  deleted: string;
  deleted_absent: string | null;
  deduplicated: string | null;
  dead_lettered: string | null;
  target_rows: string | null;
  drift_rows: string | null;
}

async function ledger(schema: string, pipeline: string): Promise<LedgerRow[]> {
  return withClient(STACK.warehouse, async (c) => (await c.query<LedgerRow>(`SELECT * FROM ${ident(schema)}.tributary_batches WHERE pipeline = $1 ORDER BY loaded_at, batch_id`, [pipeline])).rows);
}

/**
 * Every row read ends in one place, and the stage held what was read (topics: rows and dead
 * letters; CDC: the events collapsed by key at the extract, the rest deduplicated there).
 */
function expectAddsUp(r: LedgerRow, collapsedAtExtract = false): void {
  const n = (v: string | null) => Number(v ?? 'NaN');
  expect(r.rows_read, `batch ${r.batch_id} records what it read`).not.toBeNull();
  expect(n(r.rows_staged) + (collapsedAtExtract ? n(r.deduplicated) : 0)).toBe(n(r.rows_read));
  expect(n(r.inserted) + n(r.updated) + n(r.unchanged) + n(r.deduplicated) + n(r.dead_lettered) + n(r.deleted) - n(r.deleted_absent)).toBe(n(r.rows_read));
}

/**
 * A PostgreSQL binary COPY file with only its first `keep` tuples: still a valid file (header,
 * tuples, trailer), so the COPY loads it and only the counts can tell it was cut.
 */
function keepTuples(copy: Buffer, keep: number): Buffer {
  let at = 11 + 4;
  at += 4 + copy.readUInt32BE(at);
  for (let t = 0; t < keep; t++) {
    const fields = copy.readInt16BE(at);
    at += 2;
    for (let f = 0; f < fields; f++) {
      const len = copy.readInt32BE(at);
      at += 4 + Math.max(0, len);
    }
  }
  return Buffer.concat([copy.subarray(0, at), Buffer.from([0xff, 0xff])]);
}

type Cut = 'tuples' | 'bytes';

/**
 * The S3 stage, with a hook between extract and merge: the first time the merge reads a staged
 * file while `armed`, its S3 object is cut short first (valid but fewer rows, or its gzip bytes
 * halved). Counts every read, so a retried merge shows.
 */
function cuttingStage(config: TributaryConfig) {
  const real = new S3Stage(config.stage as S3StageConfig, s3Client(config.stage as S3StageConfig, secrets));
  const state = { armed: null as Cut | null, reads: new Map<string, number>() };
  const cut = async (key: string, how: Cut) => {
    const [entry] = (await real.manifest(key)).entries;
    const object = entry!.url.slice(`s3://${BUCKET}/`.length);
    const got = await real.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: object }));
    const body = Buffer.from(await got.Body!.transformToByteArray());
    const cutBody = how === 'bytes' ? body.subarray(0, Math.floor(body.length / 2)) : gzipSync(keepTuples(gunzipSync(body), 3));
    await real.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: object, Body: cutBody }));
  };
  const wrapped = Object.create(real) as S3Stage;
  wrapped.reader = (key: string) => {
    state.reads.set(key, (state.reads.get(key) ?? 0) + 1);
    const out = new PassThrough();
    const how = state.armed;
    state.armed = null;
    (async () => {
      if (how) await cut(key, how);
      await pipeline(real.reader(key), out);
    })().catch((err: unknown) => out.destroy(err as Error));
    return out;
  };
  return { stage: wrapped, state };
}

beforeAll(async () => {
  // No skipping: without the local S3 server this suite fails here, saying so.
  const probe = new S3Stage(stageConfig, s3Client(stageConfig, secrets));
  await probe.s3.send(new HeadBucketCommand({ Bucket: BUCKET })).catch((err: unknown) => {
    throw new Error(`the local S3 server is not reachable at ${ENDPOINT} (bucket ${BUCKET}); start the stack (infra/local): ${(err as Error).message}`);
  });
});

describe('pull pipelines prove their counts (S3 stage, PostgreSQL warehouse, through Temporal)', () => {
  const facts = uniqueName('rc_orders');
  const dims = uniqueName('rc_customers');
  let config: TributaryConfig;
  let h: Harness;
  let cutter: ReturnType<typeof cuttingStage>;

  beforeAll(async () => {
    // smallReadRows 0: the files are cut between the extract and the merge activities (a small
    // read's plan would do both, and hand a failed merge back to them: small-runs.test.ts).
    const base = stackConfig([
      { name: 'rc_orders', kind: 'fact', source: 'app', table: `public.${facts}`, key: ['id'], watermark: 'updated_at', regions: ['us'], options: { lagSeconds: 0, lookbackSeconds: 30, smallReadRows: 0 } },
      { name: 'rc_customers', kind: 'dimension', source: 'app', table: `public.${dims}`, key: ['id'], regions: ['us'], options: { deletes: 'hard', smallReadRows: 0 } },
    ]);
    config = validateConfig('run-counts-test', { ...base, stage: { ...stageConfig, prefix: `${prefix}pull/` } });
    await createFactTable('us', facts, 500);
    await withClient(STACK.source.us!, async (c) => {
      await c.query(`CREATE TABLE public.${ident(dims)} (id int PRIMARY KEY, name text NOT NULL)`);
      await c.query(`INSERT INTO public.${ident(dims)} SELECT g, 'customer ' || g FROM generate_series(1, 200) g`);
    });
    cutter = cuttingStage(config);
    h = await startHarness(config, ['us'], { deps: () => ({ ...createDeps(config), stage: cutter.stage }) });
  });

  afterAll(async () => {
    await h?.close();
    await dropFactTable(facts);
    await withClient(STACK.source.us!, (c) => c.query(`DROP TABLE IF EXISTS public.${ident(dims)}`));
    if (config) await dropSchema(config.warehouse.schema);
  });

  const targetOf = (i: number) => targetTable(config, config.pipelines[i]!);
  const targetRows = async (i: number) => {
    const [schema, table] = targetOf(i);
    return withClient(STACK.warehouse, async (c) => {
      const exists = (await c.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [`${ident(schema)}.${ident(table)}`])).rows[0]!.t !== null;
      return exists ? Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(schema)}.${ident(table)}`)).rows[0]!.n) : 0;
    });
  };
  const checkpoints = (pipeline: string) =>
    withClient(STACK.warehouse, async (c) => (await c.query<{ position: string }>(`SELECT position FROM ${ident(config.warehouse.schema)}.tributary_checkpoints WHERE pipeline = $1`, [pipeline])).rows);

  it('a staged file cut short (valid, fewer rows) fails the merge at once, naming it, and commits nothing', async () => {
    cutter.state.armed = 'tuples';
    cutter.state.reads.clear();
    const message = await failureOf(h.run('rc_orders', 'us'));
    const [schema, table] = targetOf(0);
    expect(message).toContain(`pipeline rc_orders, region us, source app/us, table ${schema}.${table}`);
    expect(message).toContain('the extract wrote 500 rows to the stage, but its files hold 3 (497 fewer)');
    expect(message).toContain('nothing was merged');
    // Not retried: the one staged file was read once.
    expect([...cutter.state.reads.values()]).toEqual([1]);
    expect(await targetRows(0)).toBe(0);
    expect(await ledger(config.warehouse.schema, 'rc_orders')).toEqual([]);
    expect(await checkpoints('rc_orders')).toEqual([]);
  });

  it('a staged file whose bytes were cut fails at once too, naming the file', async () => {
    cutter.state.armed = 'bytes';
    cutter.state.reads.clear();
    const message = await failureOf(h.run('rc_orders', 'us'));
    const [schema, table] = targetOf(0);
    expect(message).toContain(`pipeline rc_orders, region us, source app/us, table ${schema}.${table}: staged file rc_orders/us/`);
    expect(message).toMatch(/is not whole .*cut short or changed after the extract; nothing was merged/);
    expect([...cutter.state.reads.values()]).toEqual([1]);
    expect(await targetRows(0)).toBe(0);
    expect(await ledger(config.warehouse.schema, 'rc_orders')).toEqual([]);
  });

  it('a fact run whose files are whole records counts that add up, in the ledger and the run result', async () => {
    const run = await h.run('rc_orders', 'us');
    expect(run).toMatchObject({ rowsRead: 500, rowsStaged: 500, inserted: 500, updated: 0, unchanged: 0, deduplicated: 0, deadLettered: 0 });
    const rows = await ledger(config.warehouse.schema, 'rc_orders');
    expect(rows).toHaveLength(1);
    rows.forEach((r) => expectAddsUp(r));
    expect(rows[0]).toMatchObject({ rows_read: '500', inserted: '500', deduplicated: '0', dead_lettered: '0' });
    // Again after updates: the look-back reads rows again that stay unchanged, measured as such.
    await withClient(STACK.source.us!, (c) => c.query(`UPDATE public.${ident(facts)} SET status = 'refunded', updated_at = now() WHERE id % 50 = 0`));
    const second = await h.run('rc_orders', 'us');
    expect(second.updated).toBe(10);
    expect(second.rowsRead).toBe(second.updated + second.unchanged + second.inserted);
    (await ledger(config.warehouse.schema, 'rc_orders')).forEach((r) => expectAddsUp(r));
  });

  it('a dimension whose warehouse table lost a row by hand: the next run fails naming the difference, then runs clean', async () => {
    const first = await h.run('rc_customers', 'us');
    expect(first).toMatchObject({ rowsRead: 200, rowsStaged: 200, inserted: 200 });
    const [row] = await ledger(config.warehouse.schema, 'rc_customers');
    expectAddsUp(row!);
    expect(row).toMatchObject({ target_rows: '200', drift_rows: null });

    const [schema, table] = targetOf(1);
    await withClient(STACK.warehouse, (c) => c.query(`DELETE FROM ${ident(schema)}.${ident(table)} WHERE id = 7`));
    const message = await failureOf(h.run('rc_customers', 'us'));
    expect(message).toContain(`pipeline rc_customers, region us, source app/us, table ${schema}.${table}`);
    expect(message).toContain('the warehouse held 1 row fewer of this source than the last run left: they were deleted outside Tributary');
    // The failed run still wrote the row back (committed with its counts); the next one is clean.
    expect(await targetRows(1)).toBe(200);
    const rows = await ledger(config.warehouse.schema, 'rc_customers');
    expect(rows[1]).toMatchObject({ inserted: '1', unchanged: '199', target_rows: '200', drift_rows: '-1' });
    rows.forEach((r) => expectAddsUp(r));

    await withClient(STACK.source.us!, async (c) => {
      await c.query(`DELETE FROM public.${ident(dims)} WHERE id > 190`);
      await c.query(`UPDATE public.${ident(dims)} SET name = 'renamed' WHERE id <= 5`);
    });
    const third = await h.run('rc_customers', 'us');
    expect(third).toMatchObject({ rowsRead: 190, inserted: 0, updated: 5, unchanged: 185, deleted: 10 });
    const last = (await ledger(config.warehouse.schema, 'rc_customers')).at(-1)!;
    expectAddsUp(last);
    expect(last).toMatchObject({ deleted_absent: '10', target_rows: '190', drift_rows: '0' });
  });
});

describe('topic pipelines prove their counts (Kafka, through Temporal)', () => {
  const topic = uniqueName('rc_users');
  let config: TributaryConfig;
  let h: Harness;

  beforeAll(async () => {
    config = topicStackConfig([
      {
        name: 'rc_users',
        kind: 'topic',
        source: 'events',
        topic,
        target: uniqueName('rc_users'),
        regions: ['us'],
        key: ['id'],
        options: { maxDeadLetterRatio: 0.5 },
        columns: [
          { name: 'id', path: 'id', type: 'bigint', required: true },
          { name: 'user_name', path: 'user.name', type: 'text' },
          { name: 'at', path: 'at', type: 'timestamptz', required: true },
        ],
      },
    ]);
    for (const cell of ['us/cell-1', 'us/cell-2']) await createTopic(cell, topic, 1);
    h = await startHarness(config, ['us']);
  });

  afterAll(async () => {
    await h?.close();
    for (const cell of ['us/cell-1', 'us/cell-2']) await deleteTopic(cell, topic);
    if (config) await dropSchema(config.warehouse.schema);
  });

  it('rows, keys seen twice in one batch and dead letters add up to the messages consumed', async () => {
    // 30 messages: ids 0..19, then ids 0..9 again (newer), then 3 that are not JSON.
    await produce('us/cell-1', topic, [...clicks('us/cell-1', 0, 20, 1), ...clicks('us/cell-1', 0, 10, 1), ...[1, 2, 3].map(() => ({ partition: 0, value: 'not json {' }))]);
    const run = await h.run('rc_users', 'us');
    expect(run).toMatchObject({ rowsRead: 33, rowsStaged: 33, inserted: 20, updated: 0, deduplicated: 10, deadLettered: 3 });
    const rows = await ledger(config.warehouse.schema, 'rc_users');
    // The empty cell has nothing to plan: one batch.
    expect(rows).toHaveLength(1);
    rows.forEach((r) => expectAddsUp(r));
    expect(rows.find((r) => r.rows_read === '33')).toMatchObject({ rows_read: '33', inserted: '20', deduplicated: '10', dead_lettered: '3', unchanged: '0' });
  });
});

describe('CDC pipelines prove their counts (Debezium on Kafka Connect, through Temporal)', () => {
  let t: CdcTable;
  let h: Harness;

  beforeAll(async () => {
    t = await createCdcTable('rc_cdc', { seedRows: 20 });
    h = await startHarness(t.config, ['us']);
  }, 180_000);

  afterAll(async () => {
    await h?.close();
    await t?.drop();
  }, 120_000);

  /** Runs until the warehouse equals the source (the connector delivers in its own time). */
  async function runUntilEqual(): Promise<void> {
    for (let i = 0; i < 90; i++) {
      await h.run(t.name, 'us');
      const { source, warehouse } = await t.checksums();
      if (JSON.stringify(source) === JSON.stringify(warehouse)) return;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    throw new Error(`the warehouse table ${t.name} never matched the source`);
  }

  it('snapshot rows, updates of one key collapsed, deletes: every batch adds up to the events it read', async () => {
    await runUntilEqual();
    await t.src.query(`UPDATE public.${ident(t.name)} SET name = 'one' WHERE id = 1`);
    await t.src.query(`UPDATE public.${ident(t.name)} SET name = 'two' WHERE id = 1`);
    await t.src.query(`UPDATE public.${ident(t.name)} SET name = 'three' WHERE id = 1`);
    await t.src.query(`DELETE FROM public.${ident(t.name)} WHERE id = 2`);
    await t.src.query(`INSERT INTO public.${ident(t.name)} VALUES (100, 'new', 1, now())`);
    await runUntilEqual();
    const rows = (await ledger(t.config.warehouse.schema, t.name)).filter((r) => r.rows_read !== '0');
    expect(rows.length).toBeGreaterThan(0);
    rows.forEach((r) => expectAddsUp(r, true));
    const sum = (k: keyof LedgerRow) => rows.reduce((a, r) => a + Number(r[k] ?? 0), 0);
    // 20 snapshot reads and 5 changes (Debezium delivers at least once: maybe more).
    expect(sum('rows_read')).toBeGreaterThanOrEqual(25);
    expect(sum('deleted')).toBeGreaterThanOrEqual(1);
    expect(sum('inserted')).toBe(21);
  });
});
