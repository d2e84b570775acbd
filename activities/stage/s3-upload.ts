// Streams one object to S3 in bounded memory: parts of PART_BYTES go up as multipart parts as
// soon as they fill; an object smaller than one part is a single PutObject.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/** S3's smallest part (except the last). */
export const PART_BYTES = 5 * 1024 * 1024;

export class S3ObjectUpload {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private uploadId: string | undefined;
  private parts: { ETag: string; PartNumber: number }[] = [];
  /** The part upload in flight; the next waits for it, so memory stays at about two parts. */
  private inFlight: Promise<void> = Promise.resolve();
  private failed: Error | undefined;
  bytes = 0;

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    readonly key: string,
  ) {}

  append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.bytes += chunk.length;
    if (this.buffered >= PART_BYTES) this.flushPart();
  }

  /** Resolves when the part upload in flight is done (backpressure for the writer). */
  async settled(): Promise<void> {
    await this.inFlight;
    if (this.failed) throw this.failed;
  }

  private flushPart(): void {
    const body = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    const previous = this.inFlight;
    this.inFlight = (async () => {
      await previous;
      if (this.failed) return;
      try {
        this.uploadId ??= (await this.s3.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, ContentType: 'application/gzip' }))).UploadId;
        const PartNumber = this.parts.length + 1;
        const res = await this.s3.send(new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber, Body: body }));
        this.parts.push({ ETag: res.ETag!, PartNumber });
      } catch (err) {
        this.failed = err instanceof Error ? err : new Error(String(err));
      }
    })();
  }

  async finish(): Promise<number> {
    await this.settled();
    if (this.uploadId === undefined) {
      const body = Buffer.concat(this.chunks);
      this.chunks = [];
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: body, ContentType: 'application/gzip' }));
      return this.bytes;
    }
    // The last part may be smaller than PART_BYTES.
    if (this.buffered > 0) {
      this.flushPart();
      await this.settled();
    }
    await this.s3.send(
      new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }),
    );
    return this.bytes;
  }

  async abort(): Promise<void> {
    await this.inFlight.catch(() => undefined);
    if (this.uploadId) {
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId })).catch(() => undefined);
    }
  }
}
