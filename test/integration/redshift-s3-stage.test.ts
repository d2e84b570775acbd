// Topic and CDC batches staged on the local S3 server (versitygw) as the Redshift warehouse reads
// them: the extract's CSV writer (openCsv) into the S3 stage gives split parts with a mandatory
// manifest and NULL as the marker; what Redshift's COPY would load from the manifest (parts
// concatenated, NULL AS the marker) equals what PostgreSQL's COPY loads from the stage's reader.
// Redshift itself is not involved: its COPY is played by PostgreSQL's with NULL '<marker>'. Fails
// loudly when the S3 server is not there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gunzipSync, createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { GetObjectCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { createSecretProvider } from '../../activities/secrets/provider.js';
import { S3Stage, s3Client, type S3StageConfig } from '../../activities/stage/s3-stage.js';
import { STAGE_NULL } from '../../activities/stage/null-marker.js';
import { openCsv } from '../../activities/sources/kafka/extract-topic.js';
import { csvLine } from '../../activities/sources/kafka/csv.js';
import { ROOT, STACK, connect, uniqueName } from './stack.js';

const secrets = createSecretProvider({ provider: 'file', path: process.env.TRIBUTARY_SECRETS_FILE ?? join(ROOT, 'infra/local/secrets.json'), ttlSeconds: 60 });
const cfg: S3StageConfig = {
  type: 's3',
  bucket: STACK.s3.bucket,
  prefix: `test-rs-${randomBytes(4).toString('hex')}/`,
  awsRegion: STACK.s3.region,
  endpoint: STACK.s3.endpoint,
  forcePathStyle: true,
  secret: 'stage-s3',
  retentionDays: 1,
  retentionBy: 'sweep',
  sliceCount: 3,
  maxFileMB: 1,
};
const stage = new S3Stage(cfg, s3Client(cfg, secrets));
const schema = uniqueName('rs_stage');
let db: pg.Client;

beforeAll(async () => {
  await stage.s3.send(new HeadBucketCommand({ Bucket: cfg.bucket })).catch((err: unknown) => {
    throw new Error(`the local S3 server is not reachable at ${STACK.s3.endpoint} (bucket ${cfg.bucket}); start the stack (infra/local): ${(err as Error).message}`);
  });
  db = await connect(STACK.warehouse);
  await db.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
});

afterAll(async () => {
  await db?.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await db?.end();
  await stage.sweep(Date.now() + 10 * 86_400_000);
});

async function object(key: string): Promise<Buffer> {
  const res = await stage.s3.send(new GetObjectCommand({ Bucket: cfg.bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

/** Loads CSV into a fresh table of text columns; `nullMarker` plays Redshift's NULL AS. */
async function load(text: Buffer, columns: number, nullMarker?: string): Promise<(string | null)[][]> {
  const table = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(uniqueName('t'))}`;
  await db.query(`CREATE TABLE ${table} (${Array.from({ length: columns }, (_, i) => `c${i} text`).join(', ')})`);
  const options = nullMarker ? `FORMAT csv, NULL '${nullMarker}'` : 'FORMAT csv';
  await pipeline(Readable.from([text]), db.query(copyFrom(`COPY ${table} FROM STDIN WITH (${options})`)));
  const res = await db.query<Record<string, string | null>>(`SELECT * FROM ${table} ORDER BY c0`);
  return res.rows.map((r) => Object.values(r));
}

describe('topic and CDC batches in the S3 stage, as the Redshift warehouse loads them', () => {
  it('a CDC changes file: split parts, a mandatory manifest, NULL as the marker; COPY from the manifest equals the reader', async () => {
    // A changes file as cdc-extract.ts writes it: row columns, then _op, _lsn, _source_ts, _missing.
    const rows = Array.from({ length: 3000 }, (_, i) => [
      String(100_000 + i),
      i % 3 === 0 ? null : i % 3 === 1 ? '' : `note ${i}, "quoted"\nline`,
      i % 7 === 0 ? STAGE_NULL : randomBytes(40).toString('hex'),
      i % 5 === 0 ? 'd' : 'u',
      String(1000 + i),
      '2026-01-01T00:00:00.000Z',
      i % 4 === 0 ? JSON.stringify({ big: { id: String(i) } }) : null,
    ]);
    const file = await openCsv(stage, 'cdc/run-1/changes.csv.gz');
    await file.write(rows.map((r) => csvLine(r)).join(''), rows.length);
    const staged = await file.commit();
    expect(staged.rows).toBe(rows.length);

    const manifest = await stage.manifest('cdc/run-1/changes.csv.gz');
    expect(manifest.entries.length % cfg.sliceCount).toBe(0);
    expect(manifest.entries.every((e) => e.mandatory)).toBe(true);
    // What COPY ... MANIFEST reads: every part, each a gzip file of whole records.
    const parts = await Promise.all(manifest.entries.map((e) => object(e.url.slice(`s3://${cfg.bucket}/`.length)).then((b) => gunzipSync(b))));
    const asCopied = Buffer.concat(parts);
    expect(asCopied.toString()).toContain(`,${STAGE_NULL},`);
    expect(asCopied.toString()).toContain(`"${STAGE_NULL}"`);

    const chunks: Buffer[] = [];
    await pipeline(stage.reader('cdc/run-1/changes.csv.gz'), createGunzip(), async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) chunks.push(c);
    });
    const viaReader = Buffer.concat(chunks);
    expect(viaReader.toString()).not.toContain(`,${STAGE_NULL},`);

    const byRedshift = await load(asCopied, 7, STAGE_NULL);
    const byPostgres = await load(viaReader, 7);
    expect(byRedshift).toEqual(byPostgres);
    expect(byRedshift).toEqual([...rows].sort((a, b) => a[0]!.localeCompare(b[0]!)));
  });

  it('a topic batch: rows and an empty dead-letters file each get a manifest COPY can read', async () => {
    const rowsFile = await openCsv(stage, 'topic/run-1/rows.csv.gz');
    const deadFile = await openCsv(stage, 'topic/run-1/dead-letters.csv.gz');
    await rowsFile.write(csvLine(['1', '', '{"id":1}', '0', '5', '2026-01-01T00:00:00.000Z']) + csvLine(['2', null, '{"id":2}', '0', '6', null]), 2);
    await rowsFile.commit();
    await deadFile.commit();
    const rowsUrl = await stage.batchManifestUrl(['topic/run-1/rows.csv.gz'], 'topic/run-1/rows.manifest.json');
    const deadUrl = await stage.batchManifestUrl(['topic/run-1/dead-letters.csv.gz'], 'topic/run-1/dead.manifest.json');
    expect(rowsUrl).toBe(`s3://${cfg.bucket}/${cfg.prefix}topic/run-1/rows.csv.gz.manifest`);
    const dead = await stage.manifest('topic/run-1/dead-letters.csv.gz');
    expect(dead.entries).toHaveLength(cfg.sliceCount);
    expect(deadUrl).toContain('dead-letters.csv.gz.manifest');
    const parts = await Promise.all(
      (await stage.manifest('topic/run-1/rows.csv.gz')).entries.map((e) => object(e.url.slice(`s3://${cfg.bucket}/`.length)).then((b) => gunzipSync(b))),
    );
    expect(await load(Buffer.concat(parts), 6, STAGE_NULL)).toEqual([
      ['1', '', '{"id":1}', '0', '5', '2026-01-01T00:00:00.000Z'],
      ['2', null, '{"id":2}', '0', '6', null],
    ]);
    const deadParts = await Promise.all(dead.entries.map((e) => object(e.url.slice(`s3://${cfg.bucket}/`.length)).then((b) => gunzipSync(b))));
    expect(Buffer.concat(deadParts).length).toBe(0);
  });
});
