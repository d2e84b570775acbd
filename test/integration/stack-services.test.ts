// The services the S3 stage and the CDC path stand on, each used for real: the local S3 server
// (versitygw) through @aws-sdk/client-s3, and Kafka Connect with the Debezium PostgreSQL
// connector (one worker per region), from registering a connector over REST to reading its
// snapshot and streaming events from Kafka and cleaning its replication slot up again.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { ROOT, STACK, uniqueName, withClient } from './stack.js';
import {
  connectRest,
  connectorConfig,
  createPublication,
  readTopic,
  registerConnector,
  removeConnector,
  type CapturedRecord,
} from '../fixtures/debezium/connect.js';
import { decodeRecord } from '../../activities/sources/debezium/decode.js';

const { escapeIdentifier: ident } = pg;

function s3Client(secretAccessKey?: string): S3Client {
  const secrets = JSON.parse(readFileSync(join(ROOT, 'infra/local/secrets.json'), 'utf8')) as Record<string, { accessKeyId: string; secretAccessKey: string }>;
  const creds = secrets['stage-s3']!;
  return new S3Client({
    endpoint: STACK.s3.endpoint,
    region: STACK.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: secretAccessKey ?? creds.secretAccessKey },
  });
}

describe('S3 server', () => {
  const s3 = s3Client();
  const prefix = `test/${uniqueName('s3')}/`;
  afterAll(() => s3.destroy());

  it('puts, gets, lists and deletes objects in the stage bucket', async () => {
    const body = Buffer.concat([randomBytes(300_000), Buffer.from('end')]);
    const keys = [`${prefix}a/part-0000.csv.gz`, `${prefix}a/part-0001.csv.gz`, `${prefix}b/manifest.json`];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: STACK.s3.bucket, Key, Body: body, ContentType: 'application/gzip' }));

    const got = await s3.send(new GetObjectCommand({ Bucket: STACK.s3.bucket, Key: keys[1] }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: STACK.s3.bucket, Key: keys[0] }));
    expect(head.ContentLength).toBe(body.length);

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: STACK.s3.bucket, Prefix: `${prefix}a/` }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(keys.slice(0, 2));
    expect((listed.Contents ?? []).every((o) => o.Size === body.length)).toBe(true);

    for (const Key of keys) await s3.send(new DeleteObjectCommand({ Bucket: STACK.s3.bucket, Key }));
    const after = await s3.send(new ListObjectsV2Command({ Bucket: STACK.s3.bucket, Prefix: prefix }));
    expect(after.KeyCount ?? 0).toBe(0);
  });

  it('refuses a wrong secret and an unknown bucket', async () => {
    const wrong = s3Client('not-the-secret');
    try {
      const err = await wrong.send(new ListObjectsV2Command({ Bucket: STACK.s3.bucket })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(S3ServiceException);
      expect((err as S3ServiceException).$metadata.httpStatusCode).toBe(403);
    } finally {
      wrong.destroy();
    }
    const missing = await s3.send(new ListObjectsV2Command({ Bucket: uniqueName('nobucket').replace('_', '-') })).catch((e: unknown) => e);
    expect((missing as S3ServiceException).name).toBe('NoSuchBucket');
  });

  it('creates buckets (start.sh made tributary-stage already)', async () => {
    const err = await s3.send(new CreateBucketCommand({ Bucket: STACK.s3.bucket })).catch((e: unknown) => e);
    expect(['BucketAlreadyOwnedByYou', 'BucketAlreadyExists']).toContain((err as S3ServiceException).name);
  });
});

describe.each(Object.entries(STACK.connect))('Kafka Connect worker %s', (region, base) => {
  it('runs Kafka Connect 4.1.1 with the Debezium PostgreSQL connector 3.6.1.Final', async () => {
    const info = (await connectRest.get(base, '/')) as { version: string; kafka_cluster_id: string };
    expect(info.version).toBe('4.1.1');
    const plugins = (await connectRest.get(base, '/connector-plugins')) as { class: string; version: string }[];
    expect(plugins).toContainEqual({ class: 'io.debezium.connector.postgresql.PostgresConnector', type: 'source', version: '3.6.1.Final' });
    expect(region).toMatch(/^(us|eu)$/);
  });
});

describe('Debezium on source-us', () => {
  const name = uniqueName('dbz_stack');
  const table = uniqueName('cdc_orders');
  const topic = `${name}.public.${table}`;
  const source = STACK.source.us!;
  const broker = STACK.kafka['us/cell-1']!;
  const base = STACK.connect.us!;

  afterAll(async () => {
    await removeConnector(base, source, broker, { connector: name, slot: name, publication: name, topics: [topic] });
    await withClient(source, (c) => c.query(`DROP TABLE IF EXISTS public.${ident(table)}`));
    // Nothing of this connector may keep holding WAL.
    const slots = await withClient(source, (c) => c.query('SELECT slot_name FROM pg_replication_slots WHERE slot_name = $1', [name]));
    expect(slots.rowCount).toBe(0);
  });

  it('streams a snapshot, then inserts, updates, deletes and tombstones, in order', async () => {
    const big = randomBytes(4000).toString('hex'); // stored out of line (TOAST), see below
    await withClient(source, async (c) => {
      await c.query(`CREATE TABLE public.${ident(table)} (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(10,2), big text)`);
      // EXTERNAL: never compressed, so an 8000-byte value always lives in the TOAST table.
      await c.query(`ALTER TABLE public.${ident(table)} ALTER COLUMN big SET STORAGE EXTERNAL`);
      await c.query(`INSERT INTO public.${ident(table)} VALUES (1, 'one', 1.50, $1), (2, 'two', 2.25, NULL)`, [big]);
    });
    await createPublication(source, name, [`public.${table}`]);
    const config = connectorConfig('us', name, [`public.${table}`], { schemas: true, decimalHandlingMode: 'precise', timePrecisionMode: 'adaptive_time_microseconds' });
    await registerConnector(base, name, config);

    // The password never sits in the connector's config, only the worker-side reference.
    const stored = (await connectRest.get(base, `/connectors/${name}/config`)) as Record<string, string>;
    expect(stored['database.password']).toBe('${env:TRIBUTARY_CDC_PASSWORD}');

    const decodeAll = (rs: CapturedRecord[]) =>
      rs.map((r) =>
        decodeRecord({
          topic: r.topic,
          partition: r.partition,
          offset: r.offset,
          key: r.key === null ? null : Buffer.from(r.key),
          value: r.value === null ? null : Buffer.from(r.value),
        }),
      );
    const snapshot = decodeAll(await readTopic(broker, topic, (rs) => rs.length >= 2));
    expect(snapshot.map((e) => (e.kind === 'change' ? [e.op, e.key.id, e.after?.name] : e.kind)).sort()).toEqual([
      ['r', '1', 'one'],
      ['r', '2', 'two'],
    ]);

    await withClient(source, async (c) => {
      await c.query(`INSERT INTO public.${ident(table)} VALUES (3, 'three', 3.75, NULL)`);
      await c.query(`UPDATE public.${ident(table)} SET name = 'uno', amount = -0.01 WHERE id = 1`); // big untouched
      await c.query(`DELETE FROM public.${ident(table)} WHERE id = 2`);
    });
    const all = decodeAll(await readTopic(broker, topic, (rs) => rs.length >= 6));
    expect(all).toHaveLength(6);
    const byKey = (id: string) => all.filter((e) => e.kind !== 'other' && e.key.id === id).map((e) => (e.kind === 'change' ? e.op : e.kind));
    expect(byKey('1')).toEqual(['r', 'u']);
    expect(byKey('2')).toEqual(['r', 'd', 'tombstone']);
    expect(byKey('3')).toEqual(['c']);

    const update = all.find((e) => e.kind === 'change' && e.op === 'u');
    if (update?.kind !== 'change') throw new Error('no update event');
    expect(update.after).toMatchObject({ id: '1', name: 'uno', amount: '-0.01' });
    // The TOASTed value was not touched: Debezium sends a placeholder, the decoder reports it.
    expect([...update.unavailable]).toEqual(['big']);
    expect(update.after).not.toHaveProperty('big');
    const changes = all.filter((e) => e.kind === 'change');
    const snapshotLsn = changes.find((e) => e.op === 'r')!.lsn;
    for (const e of changes.filter((e) => e.op !== 'r')) expect(e.lsn).toBeGreaterThan(snapshotLsn);
  });
});
