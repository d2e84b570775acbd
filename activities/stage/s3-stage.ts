// The S3 stage: the same gzip CSV the file stage keeps, split for Redshift into a multiple of
// the slice count of files, each cut at whole records, with NULL as an explicit marker for COPY's
// NULL AS (null-marker.ts), plus a COPY manifest listing exactly those files as mandatory. The manifest is written last: a staged file exists once its manifest does,
// so a worker killed mid-upload never leaves a file that looks whole. A binary COPY file (for a
// PostgreSQL warehouse: staged-format.ts) is kept whole, as written, in one part.
//
// Layout under <prefix>: "<key>.parts/00000.csv.gz" ... and "<key>.manifest".
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import { PassThrough, Writable, pipeline as streamPipeline, type Readable } from 'node:stream';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import type { StageConfig } from '../../config/schema.js';
import type { SecretProvider } from '../secrets/provider.js';
import { buildManifest, combineManifests, parseManifest, s3Url, type Manifest } from './manifest.js';
import { S3ObjectUpload } from './s3-upload.js';
import { CsvRecordScanner, partKey, SlicePlan } from './slices.js';
import { fromStageNulls, recordTransform, toStageNulls } from './null-marker.js';
import type { Stage, StageWriter } from './stage.js';
import { stagedFormat } from './staged-format.js';

export type S3StageConfig = Extract<StageConfig, { type: 's3' }>;

const MANIFEST = '.manifest';
const DAY_MS = 86_400_000;
/** A worker sweeps (retentionBy: sweep) at most this often. */
const SWEEP_EVERY_MS = 3_600_000;

export function s3Client(cfg: S3StageConfig, secrets?: SecretProvider): S3Client {
  const secretName = cfg.secret;
  return new S3Client({
    region: cfg.awsRegion,
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    forcePathStyle: cfg.forcePathStyle,
    ...(secretName && secrets
      ? {
          // Read through the provider (cached, refreshed), so a rotated key is picked up without a restart.
          credentials: async () => {
            const c = await secrets.get(secretName);
            if (typeof c.accessKeyId !== 'string' || typeof c.secretAccessKey !== 'string') {
              throw new Error(`secret "${secretName}" needs accessKeyId and secretAccessKey for the S3 stage`);
            }
            return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, expiration: new Date(Date.now() + 60_000) };
          },
        }
      : {}),
  });
}

export class S3Stage implements Stage {
  private readonly root: string;
  private lastSweep = 0;

  constructor(
    readonly cfg: S3StageConfig,
    readonly s3: S3Client,
    private readonly now: () => number = Date.now,
  ) {
    this.root = cfg.prefix === '' || cfg.prefix.endsWith('/') ? cfg.prefix : `${cfg.prefix}/`;
  }

  get describe(): string {
    return `s3 stage s3://${this.cfg.bucket}/${this.root}`;
  }

  get bucket(): string {
    return this.cfg.bucket;
  }

  /** The object key of a stage key. */
  objectKey(key: string): string {
    if (key.startsWith('/') || key.split('/').includes('..')) throw new Error(`stage key "${key}" escapes the stage prefix`);
    return this.root + key;
  }

  writer(key: string): Promise<StageWriter> {
    if (stagedFormat(key) === 'binary') return Promise.resolve(this.wholeWriter(key));
    const plan = new SlicePlan(this.cfg.sliceCount, this.cfg.maxFileMB * 1024 * 1024);
    const scanner = new CsvRecordScanner();
    const files: { gzip: Gzip; upload: S3ObjectUpload; done: Promise<void> }[] = [];
    let records = 0;
    let carry = Buffer.alloc(0);

    const open = (index: number) => {
      while (files.length <= index) {
        const upload = new S3ObjectUpload(this.s3, this.cfg.bucket, this.objectKey(partKey(key, files.length)));
        const gzip = createGzip({ level: 6 });
        gzip.on('data', (c: Buffer) => upload.append(c));
        const done = new Promise<void>((resolve, reject) => {
          gzip.on('end', resolve);
          gzip.on('error', reject);
        });
        files.push({ gzip, upload, done });
      }
      return files[index]!;
    };
    // Whole records only: a block goes to one file, the tail waits for the next chunk.
    const splitter = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
        const ends = scanner.ends(chunk).map((e) => e + carry.length);
        const cut = ends.at(-1) ?? 0;
        let drained: Promise<unknown> = Promise.resolve();
        if (cut > 0) {
          records += ends.length;
          const file = open(plan.place(files.map((f) => f.upload.bytes)));
          if (!file.gzip.write(toStageNulls(data.subarray(0, cut)))) drained = once(file.gzip, 'drain');
        }
        carry = Buffer.from(data.subarray(cut));
        // Backpressure: compression and the part upload in flight keep memory bounded.
        drained.then(() => Promise.all(files.map((f) => f.upload.settled()))).then(() => cb(), cb);
      },
      final: (cb) => {
        (async () => {
          if (carry.length > 0) throw new Error(`staged file ${key} ends in the middle of a record`);
          for (let i = 0; i < plan.files; i++) open(i);
          for (const f of files) f.gzip.end();
          await Promise.all(files.map((f) => f.done));
        })().then(() => cb(), cb);
      },
    });
    const gunzip = createGunzip();
    const flowing = pipeline(gunzip, splitter);
    flowing.catch(() => undefined);

    return Promise.resolve({
      stream: gunzip,
      commit: async (rows) => {
        await flowing;
        if (records !== rows) throw new Error(`staged file ${key}: the source sent ${rows} rows but ${records} CSV records arrived`);
        const sizes = await Promise.all(files.map((f) => f.upload.finish()));
        const manifest = buildManifest(
          this.cfg.bucket,
          files.map((f, i) => ({ key: f.upload.key, bytes: sizes[i]! })),
        );
        await this.putJson(this.objectKey(key + MANIFEST), manifest);
        this.sweepIfDue();
        return { key, rows, bytes: sizes.reduce((a, b) => a + b, 0) };
      },
      abort: async () => {
        gunzip.destroy();
        await flowing.catch(() => undefined);
        await Promise.all(files.map((f) => f.upload.abort()));
      },
    });
  }

  /**
   * A binary COPY file (PostgreSQL warehouses only) is kept as written, in one part: slices and
   * the NULL marker are for Redshift's CSV COPY, and a binary stream cannot be cut by scanning.
   */
  private wholeWriter(key: string): StageWriter {
    const upload = new S3ObjectUpload(this.s3, this.cfg.bucket, this.objectKey(partKey(key, 0)));
    const stream = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        upload.append(chunk);
        upload.settled().then(() => cb(), cb);
      },
    });
    return {
      stream,
      commit: async (rows) => {
        if (!stream.writableFinished) await once(stream, 'finish');
        const bytes = await upload.finish();
        await this.putJson(this.objectKey(key + MANIFEST), buildManifest(this.cfg.bucket, [{ key: upload.key, bytes }]));
        this.sweepIfDue();
        return { key, rows, bytes };
      },
      abort: async () => {
        stream.destroy();
        await upload.abort();
      },
    };
  }

  /**
   * The parts of a staged file, concatenated and compressed again, with NULL back in PostgreSQL's
   * form (null-marker.ts). The records come back grouped by part, not in the order they were written.
   */
  reader(key: string): Readable {
    if (stagedFormat(key) === 'binary') return this.wholeReader(key);
    const plain = new PassThrough();
    (async () => {
      const manifest = await this.manifest(key);
      for (const entry of manifest.entries) {
        const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: this.cfg.bucket, Key: entry.url.slice(`s3://${this.cfg.bucket}/`.length) }));
        await pipeline(Body as Readable, createGunzip(), async (src: AsyncIterable<Buffer>) => {
          for await (const chunk of src) if (!plain.write(chunk)) await once(plain, 'drain');
        });
      }
      plain.end();
    })().catch((err: unknown) => plain.destroy(err as Error));
    return streamPipeline(plain, recordTransform(fromStageNulls), createGzip({ level: 1 }), () => undefined);
  }

  /** A file written by wholeWriter: its one part, as stored (gzip). */
  private wholeReader(key: string): Readable {
    const out = new PassThrough();
    (async () => {
      const [entry, ...rest] = (await this.manifest(key)).entries;
      if (!entry || rest.length > 0) throw new Error(`staged file ${key} should have exactly one part`);
      const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: this.cfg.bucket, Key: entry.url.slice(`s3://${this.cfg.bucket}/`.length) }));
      await pipeline(Body as Readable, out);
    })().catch((err: unknown) => out.destroy(err as Error));
    return out;
  }

  async manifest(key: string): Promise<Manifest> {
    const objectKey = this.objectKey(key + MANIFEST);
    const res = await this.s3.send(new GetObjectCommand({ Bucket: this.cfg.bucket, Key: objectKey }));
    return parseManifest(await res.Body!.transformToString('utf8'), `s3://${this.cfg.bucket}/${objectKey}`);
  }

  /**
   * The manifest COPY reads for a batch: the file's own for one file, else one combining them,
   * written under `name`. Returns its s3:// URL. Same files, same content: safe to rewrite on retry.
   */
  async batchManifestUrl(keys: string[], name: string): Promise<string> {
    if (keys.length === 1) return s3Url(this.cfg.bucket, this.objectKey(keys[0]! + MANIFEST));
    const combined = combineManifests(await Promise.all(keys.map((k) => this.manifest(k))));
    const objectKey = this.objectKey(name);
    await this.putJson(objectKey, combined);
    return s3Url(this.cfg.bucket, objectKey);
  }

  /** Staged files (keys whose manifest exists) under a prefix, sorted. */
  async list(prefix: string): Promise<string[]> {
    const objects = await this.listObjects(this.objectKey(prefix));
    return objects
      .map((o) => o.Key!)
      .filter((k) => k.endsWith(MANIFEST))
      .map((k) => k.slice(this.root.length, -MANIFEST.length))
      .sort();
  }

  async remove(key: string): Promise<void> {
    // Manifest first: the file stops existing before its parts go.
    await this.deleteKeys([this.objectKey(key + MANIFEST)]);
    await this.deleteKeys((await this.listObjects(this.objectKey(`${key}.parts/`))).map((o) => o.Key!));
  }

  /**
   * Deletes staged files older than retentionDays (by their newest object), manifests first.
   * Production uses an S3 lifecycle rule instead (retentionBy: lifecycle). Returns the keys removed.
   */
  async sweep(at: number = this.now()): Promise<string[]> {
    const cutoff = at - this.cfg.retentionDays * DAY_MS;
    const groups = new Map<string, _Object[]>();
    for (const o of await this.listObjects(this.root)) {
      const k = o.Key!;
      const parts = k.indexOf('.parts/');
      const id = parts >= 0 ? k.slice(0, parts) : k.endsWith(MANIFEST) ? k.slice(0, -MANIFEST.length) : k;
      groups.set(id, [...(groups.get(id) ?? []), o]);
    }
    const removed: string[] = [];
    for (const [id, objects] of groups) {
      const newest = Math.max(...objects.map((o) => o.LastModified?.getTime() ?? at));
      if (newest >= cutoff) continue;
      const keys = objects.map((o) => o.Key!);
      await this.deleteKeys(keys.filter((k) => k.endsWith(MANIFEST)));
      await this.deleteKeys(keys.filter((k) => !k.endsWith(MANIFEST)));
      removed.push(id.slice(this.root.length));
    }
    return removed.sort();
  }

  private sweepIfDue(): void {
    if (this.cfg.retentionBy !== 'sweep' || this.now() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = this.now();
    // Best effort in the background: a failed sweep is retried after the next interval.
    this.sweep().catch(() => {
      this.lastSweep = 0;
    });
  }

  private async putJson(objectKey: string, doc: unknown): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.cfg.bucket, Key: objectKey, Body: JSON.stringify(doc), ContentType: 'application/json' }));
  }

  private async listObjects(prefix: string): Promise<_Object[]> {
    const out: _Object[] = [];
    let token: string | undefined;
    do {
      const res = await this.s3.send(new ListObjectsV2Command({ Bucket: this.cfg.bucket, Prefix: prefix, ContinuationToken: token }));
      out.push(...(res.Contents ?? []));
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const res = await this.s3.send(new DeleteObjectsCommand({ Bucket: this.cfg.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
      if (res.Errors?.length) throw new Error(`could not delete ${res.Errors.length} stage object(s), e.g. ${res.Errors[0]!.Key}: ${res.Errors[0]!.Message}`);
    }
  }
}
