// Copies of many short byte slices packed into a few large buffers: one allocation per megabyte
// instead of one per slice, and the buffers the slices came from (Kafka fetch responses) are no
// longer held. Slices are never freed one by one; the arena goes when its last reader does.
const CHUNK = 1 << 20;

export class ByteArena {
  private chunk = Buffer.allocUnsafe(CHUNK);
  private used = 0;

  /** The buffer the last `copy` wrote into. */
  get current(): Buffer {
    return this.chunk;
  }

  /** Copies src[start, end) and returns where it starts in `current`. */
  copy(src: Buffer, start: number, end: number): number {
    const n = end - start;
    if (this.used + n > this.chunk.length) {
      this.chunk = Buffer.allocUnsafe(Math.max(CHUNK, n));
      this.used = 0;
    }
    const at = this.used;
    src.copy(this.chunk, at, start, end);
    this.used += n;
    return at;
  }
}
