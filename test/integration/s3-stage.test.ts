// The S3 stage against the local S3 server (versitygw in infra/local): split files, manifests,
// retention, and fact and dimension pipelines through Temporal with the S3 stage into the
// PostgreSQL warehouse. Fails loudly when the S3 server is not there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGunzip, createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { validateConfig } from '../../config/load.js';
import type { TributaryConfig } from '../../config/schema.js';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { S3Stage, s3Client, type S3StageConfig } from '../../activities/stage/s3-stage.js';
import { createStage } from '../../activities/stage/index.js';
import { PART_BYTES } from '../../activities/stage/s3-upload.js';
import { targetTable } from '../../config/resolve.js';
import { tableChecksum } from '../../activities/sources/postgres/table-checksum.js';
import { ROOT, STACK, s3StageConfig, stackConfig, uniqueName, withClient } from './stack.js';
import { createFactTable, dropFactTable, dropSchema, expectWarehouseEqualsSource, updateEvery } from './fact-fixture.js';
import { startHarness, type Harness } from './harness.js';
import { replayStaged } from '../../client/replay.js';
import { FACT_COLUMNS } from './fact-fixture.js';
import { clicks, createTopic, deleteTopic, loadedPerCell, produce, topicStackConfig } from './topic-fixture.js';

const { escapeIdentifier: ident } = pg;
const ENDPOINT = process.env.TRIBUTARY_S3_ENDPOINT ?? 'http://127.0.0.1:59000';
const BUCKET = process.env.TRIBUTARY_S3_BUCKET ?? 'tributary-stage';
const DAY = 86_400_000;
const secrets = createSecretProvider({ provider: 'file', path: process.env.TRIBUTARY_SECRETS_FILE ?? join(ROOT, 'infra/local/secrets.json'), ttlSeconds: 60 });
const prefix = `test-${randomBytes(4).toString('hex')}/`;

const stageConfig = (over: Partial<S3StageConfig> = {}) => s3StageConfig(prefix, over);
const stageOf = (over: Partial<S3StageConfig> = {}) => {
  const cfg = stageConfig(over);
  return new S3Stage(cfg, s3Client(cfg, secrets));
};

/** CSV rows that do not compress much (random notes), with quotes and newlines inside fields. */
function csvRows(n: number, start = 0): string {
  let out = '';
  for (let i = start; i < start + n; i++) out += `${i},"note ${randomBytes(96).toString('base64')}, ""q""\nsecond line",${i % 7}\n`;
  return out;
}

async function stageText(stage: S3Stage, key: string, text: string, rows: number) {
  const w = await stage.writer(key);
  await pipeline(Readable.from([Buffer.from(text)]), createGzip({ level: 1 }), w.stream);
  return w.commit(rows);
}

/** Records (which hold newlines inside quotes) in sorted order: the parts interleave rows. */
const records = (text: string) => text.split(/\n(?=\d+,"note )/).map((r) => r.replace(/\n$/, '')).sort();
/** Compares big texts without handing them to the diff printer. */
const sameRecords = (a: string, b: string) => a.length === b.length && records(a).join('\n') === records(b).join('\n');

async function readBack(stage: S3Stage, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  await pipeline(stage.reader(key), createGunzip(), async (src: AsyncIterable<Buffer>) => {
    for await (const c of src) chunks.push(c);
  });
  return Buffer.concat(chunks).toString();
}

async function objectText(stage: S3Stage, key: string): Promise<Buffer> {
  const res = await stage.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

async function objectsUnder(stage: S3Stage, p: string): Promise<string[]> {
  const res = await stage.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: p }));
  return (res.Contents ?? []).map((o) => o.Key!).sort();
}

beforeAll(async () => {
  // No skipping: without the local S3 server this suite fails here, saying so.
  await stageOf()
    .s3.send(new HeadBucketCommand({ Bucket: BUCKET }))
    .catch((err: unknown) => {
      throw new Error(`the local S3 server is not reachable at ${ENDPOINT} (bucket ${BUCKET}); start the stack (infra/local): ${(err as Error).message}`);
    });
});

afterAll(async () => {
  // Everything this file wrote is older than "now + 10 days": the sweep removes it.
  await stageOf({ retentionDays: 0 }).sweep(Date.now() + 10 * DAY);
});

describe('S3 stage on the local S3 server', () => {
  it('splits a file into a multiple of the slice count, at whole records, with a mandatory manifest', async () => {
    const stage = stageOf();
    const rows = 90_000;
    const text = csvRows(rows);
    const file = await stageText(stage, 'split/part-00000.csv.gz', text, rows);
    expect(file.rows).toBe(rows);

    const manifest = await stage.manifest('split/part-00000.csv.gz');
    // About 10 MB compressed at 1 MB per file: several sets of 4.
    expect(manifest.entries.length % 4).toBe(0);
    expect(manifest.entries.length).toBeGreaterThanOrEqual(8);
    let count = 0;
    let total = 0;
    for (const e of manifest.entries) {
      expect(e.mandatory).toBe(true);
      const key = e.url.slice(`s3://${BUCKET}/`.length);
      const head = await stage.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      expect(head.ContentLength).toBe(e.meta.content_length);
      total += e.meta.content_length;
      // Each part is a gzip file of its own holding whole records.
      const part = gunzipSync(await objectText(stage, key)).toString();
      if (part.length > 0) expect(part.endsWith('\n')).toBe(true);
      count += part.match(/^\d+,"note /gm)?.length ?? 0;
    }
    expect(count).toBe(rows);
    expect(total).toBe(file.bytes);
    expect(sameRecords(await readBack(stage, 'split/part-00000.csv.gz'), text)).toBe(true);
    expect(await stage.list('split/')).toEqual(['split/part-00000.csv.gz']);
  });

  it('uploads a file bigger than one part as a multipart upload', async () => {
    const stage = stageOf({ sliceCount: 1, maxFileMB: 64 });
    const text = csvRows(100_000, 1_000_000);
    const file = await stageText(stage, 'big/part-00000.csv.gz', text, 100_000);
    expect(file.bytes).toBeGreaterThan(PART_BYTES);
    const [entry] = (await stage.manifest('big/part-00000.csv.gz')).entries;
    const head = await stage.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: entry!.url.slice(`s3://${BUCKET}/`.length) }));
    expect(head.ETag).toMatch(/-\d+"$/); // multipart ETags end in -<parts>
    // One slice: one file, the rows in the order written.
    expect((await readBack(stage, 'big/part-00000.csv.gz')) === text).toBe(true);
  });

  it('a file exists once its manifest does: an aborted or short write leaves nothing listed', async () => {
    const stage = stageOf();
    const w = await stage.writer('aborted/part-00000.csv.gz');
    w.stream.write(gzipSync(csvRows(10)));
    await w.abort();
    expect(await stage.list('aborted/')).toEqual([]);

    const short = await stage.writer('short/part-00000.csv.gz');
    await pipeline(Readable.from([Buffer.from(csvRows(5))]), createGzip(), short.stream);
    await expect(short.commit(6)).rejects.toThrow('the source sent 6 rows but 5 CSV records arrived');
    expect(await stage.list('short/')).toEqual([]);
  });

  it('keeps staged files for retentionDays, then the sweep removes them, manifest and parts', async () => {
    const stage = stageOf({ prefix: `${prefix}retention/` });
    await stageText(stage, 'r/part-00000.csv.gz', csvRows(100), 100);
    const before = await objectsUnder(stage, `${prefix}retention/`);
    expect(before.filter((k) => k.endsWith('.manifest'))).toHaveLength(1);
    expect(before.filter((k) => k.includes('.parts/'))).toHaveLength(4);

    expect(await stage.sweep(Date.now() + 2 * DAY)).toEqual([]);
    expect(await objectsUnder(stage, `${prefix}retention/`)).toEqual(before);
    expect(await stage.sweep(Date.now() + 4 * DAY)).toEqual(['r/part-00000.csv.gz']);
    expect(await objectsUnder(stage, `${prefix}retention/`)).toEqual([]);
  });

  it('combines the manifests of a batch of several files into one', async () => {
    const stage = stageOf();
    await stageText(stage, 'multi/a.csv.gz', csvRows(10), 10);
    await stageText(stage, 'multi/b.csv.gz', csvRows(10), 10);
    const url = await stage.batchManifestUrl(['multi/a.csv.gz', 'multi/b.csv.gz'], 'multi/batch.manifest.json');
    expect(url).toBe(`s3://${BUCKET}/${prefix}multi/batch.manifest.json`);
    const doc = JSON.parse((await objectText(stage, `${prefix}multi/batch.manifest.json`)).toString()) as { entries: { url: string }[] };
    expect(doc.entries).toHaveLength(8);
    expect(new Set(doc.entries.map((e) => e.url)).size).toBe(8);
  });

  it('keeps a binary COPY file whole, in one part, and reads back the bytes written', async () => {
    const stage = stageOf({ maxFileMB: 1 });
    // Bytes no CSV scanner could cut correctly: newlines and quotes everywhere, over 1 MB.
    const bytes = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), randomBytes(3 * 1024 * 1024), Buffer.from('\n"\n')]);
    const w = await stage.writer('bin/part-00000.bin.gz');
    await pipeline(Readable.from([bytes]), createGzip({ level: 1 }), w.stream);
    const file = await w.commit(42);
    expect(file.rows).toBe(42);
    const manifest = await stage.manifest('bin/part-00000.bin.gz');
    expect(manifest.entries.map((e) => e.url)).toEqual([`s3://${BUCKET}/${prefix}bin/part-00000.bin.gz.parts/00000.bin.gz`]);
    const back: Buffer[] = [];
    await pipeline(stage.reader('bin/part-00000.bin.gz'), createGunzip(), async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) back.push(c);
    });
    expect(Buffer.concat(back).equals(bytes)).toBe(true);
    expect(await stage.list('bin/')).toEqual(['bin/part-00000.bin.gz']);
  });
});

describe('pipelines with the S3 stage (fact and dimension, through Temporal, into the PostgreSQL warehouse)', () => {
  const facts = uniqueName('s3_orders');
  const dims = uniqueName('s3_customers');
  let config: TributaryConfig;
  let h: Harness;

  beforeAll(async () => {
    const base = stackConfig([
      { name: 'orders', kind: 'fact', source: 'app', table: `public.${facts}`, key: ['id'], watermark: 'updated_at', options: { lagSeconds: 0, lookbackSeconds: 30, chunkRows: 4_000 } },
      { name: 'customers', kind: 'dimension', source: 'app', table: `public.${dims}`, key: ['id'], options: { deletes: 'hard' } },
    ]);
    config = validateConfig('s3-stage-test', { ...base, stage: { ...stageConfig({ prefix: `${prefix}pipelines/` }) } });
    await createFactTable('us', facts, 10_000);
    await createFactTable('eu', facts, 10);
    await withClient(STACK.source.us!, async (c) => {
      await c.query(`CREATE TABLE public.${ident(dims)} (id int PRIMARY KEY, name text NOT NULL, attrs jsonb)`);
      await c.query(`INSERT INTO public.${ident(dims)} SELECT g, 'customer ' || g, jsonb_build_object('n', g) FROM generate_series(1, 2000) g`);
    });
    h = await startHarness(config, ['us']);
  });

  afterAll(async () => {
    await h?.close();
    await dropFactTable(facts);
    for (const url of Object.values(STACK.source)) await withClient(url, (c) => c.query(`DROP TABLE IF EXISTS public.${ident(dims)}`));
    await dropSchema(config.warehouse.schema);
  });

  it('fact: chunks staged with manifests (binary COPY files, one part each, for a PostgreSQL warehouse), merged exactly, again after updates', async () => {
    const first = await h.run('orders', 'us');
    expect(first).toMatchObject({ rowsStaged: 10_000, inserted: 10_000, updated: 0 });
    expect(first.units).toBeGreaterThan(1);
    await expectWarehouseEqualsSource('us', facts, targetTable(config, config.pipelines[0]!));

    const stage = createStage(config.stage, secrets) as S3Stage;
    const staged = await stage.list('orders/us/');
    expect(staged).toHaveLength(first.units);
    for (const key of staged) {
      // Slices are for Redshift's COPY; the PostgreSQL warehouse reads the binary file whole.
      expect(key).toMatch(/\.bin\.gz$/);
      const m = await stage.manifest(key);
      expect(m.entries).toHaveLength(1);
      expect(m.entries.every((e) => e.mandatory)).toBe(true);
    }

    const changed = await updateEvery('us', facts, 10);
    const second = await h.run('orders', 'us');
    expect(second.updated).toBe(changed);
    await expectWarehouseEqualsSource('us', facts, targetTable(config, config.pipelines[0]!));
  });

  it('dimension: whole-table snapshot through the S3 stage, deletes propagated', async () => {
    const first = await h.run('customers', 'us');
    expect(first).toMatchObject({ rowsStaged: 2000, inserted: 2000, deleted: 0 });
    await withClient(STACK.source.us!, async (c) => {
      await c.query(`UPDATE public.${ident(dims)} SET name = 'renamed' WHERE id % 100 = 0`);
      await c.query(`DELETE FROM public.${ident(dims)} WHERE id % 250 = 1`);
    });
    const second = await h.run('customers', 'us');
    expect(second).toMatchObject({ updated: 20, deleted: 8 });
    const target = targetTable(config, config.pipelines[1]!);
    const src = await withClient(STACK.source.us!, (c) => tableChecksum(c, ['public', dims], ['id'], ['id', 'name', 'attrs']));
    const dst = await withClient(STACK.warehouse, (c) => tableChecksum(c, target, ['id'], ['id', 'name', 'attrs'], 'us'));
    expect(dst).toEqual(src);
    const stage = createStage(config.stage, secrets) as S3Stage;
    expect((await stage.list('customers/us/')).length).toBe(2);
  });

  it('replay: merges the staged fact batches again from the stage, with the source gone', async () => {
    const target = targetTable(config, config.pipelines[0]!);
    const sum = () => withClient(STACK.warehouse, (c) => tableChecksum(c, target, ['id'], FACT_COLUMNS, 'us'));
    const before = await sum();
    // A bad fix in the warehouse loses rows; the source is gone too: only the stage has them.
    const lost = await withClient(STACK.warehouse, (c) => c.query(`DELETE FROM ${ident(target[0])}.${ident(target[1])} WHERE id % 7 = 0`));
    await dropFactTable(facts);

    const listed = await replayStaged(h.client, config, { pipeline: 'orders', region: 'us', dryRun: true });
    expect(listed.length).toBeGreaterThan(2);
    expect(listed.filter((b) => b.result !== undefined || b.missing.length > 0)).toEqual([]);

    const replayed = await replayStaged(h.client, config, { pipeline: 'orders', region: 'us', replayId: 'test' });
    expect(replayed.map((b) => b.batchId)).toEqual(listed.map((b) => b.batchId));
    expect(replayed.reduce((a, b) => a + (b.result?.inserted ?? 0), 0)).toBe(lost.rowCount);
    expect(await sum()).toEqual(before);
  });
});

describe('topic pipeline with the S3 stage (Kafka, through Temporal, into the PostgreSQL warehouse)', () => {
  const topic = uniqueName('s3_clicks');
  const cells = ['us/cell-1', 'us/cell-2'];
  let config: TributaryConfig;
  let h: Harness;

  beforeAll(async () => {
    const base = topicStackConfig([
      {
        name: 'clicks',
        kind: 'topic',
        source: 'events',
        topic,
        target: uniqueName('s3_clicks'),
        regions: ['us'],
        columns: [
          { name: 'id', path: 'id', type: 'bigint', required: true },
          { name: 'user_name', path: 'user.name', type: 'text' },
          { name: 'at', path: 'at', type: 'timestamptz', required: true },
        ],
      },
    ]);
    config = validateConfig('s3-stage-topic-test', { ...base, stage: stageConfig({ prefix: `${prefix}topics/` }) });
    for (const cell of cells) await createTopic(cell, topic, 2);
    h = await startHarness(config, ['us']);
  });

  afterAll(async () => {
    await h?.close();
    for (const cell of cells) await deleteTopic(cell, topic);
    if (config) await dropSchema(config.warehouse.schema);
  });

  it('stages each offset range with a manifest (rows whole in binary, dead letters as split CSV) and loads every message once', async () => {
    for (const cell of cells) await produce(cell, topic, clicks(cell, 0, 300, 2));
    const run = await h.run('clicks', 'us');
    expect(run.inserted).toBe(600);
    expect(await loadedPerCell(targetTable(config, config.pipelines[0]!))).toMatchObject({ perCell: { 'us/cell-1': 300, 'us/cell-2': 300 }, duplicates: 0 });
    const stage = createStage(config.stage, secrets) as S3Stage;
    const staged = await stage.list('clicks/us/');
    expect(staged.length).toBeGreaterThanOrEqual(run.units);
    // Into a PostgreSQL warehouse the rows are binary, read whole (one part); CSV is sliced for Redshift's COPY.
    const rows = staged.filter((k) => k.endsWith('/rows.bin.gz'));
    const csv = staged.filter((k) => k.endsWith('.csv.gz'));
    expect(rows).toHaveLength(run.units);
    expect(csv).toHaveLength(run.units);
    for (const key of rows) expect((await stage.manifest(key)).entries).toHaveLength(1);
    for (const key of csv) expect((await stage.manifest(key)).entries.length % 4).toBe(0);
  });

  it('replay of a topic pipeline goes through its own merge: the ledger holds every offset already, so nothing loads twice', async () => {
    const target = targetTable(config, config.pipelines[0]!);
    const replayed = await replayStaged(h.client, config, { pipeline: 'clicks', region: 'us', replayId: 'topic' });
    expect(replayed.length).toBeGreaterThan(0);
    expect(replayed.every((b) => b.missing.length === 0 && b.result?.alreadyCommitted === true && b.result.inserted === 0)).toBe(true);
    expect(await loadedPerCell(target)).toMatchObject({ perCell: { 'us/cell-1': 300, 'us/cell-2': 300 }, duplicates: 0 });
  });
});
