// Tuples of PostgreSQL's binary COPY format, written by the worker into one growing buffer: an
// int16 field count per tuple, then per field an int32 length (-1 for NULL) and its bytes. The
// stream opens with BINARY_COPY_HEADER and ends with BINARY_COPY_TRAILER. Values are typed by
// the caller (activities/sources/kafka/binary-values.ts); nothing here knows a column type.

/** Signature, flags (none) and header extension length (none). */
export const BINARY_COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** A field count of -1 ends the stream. */
export const BINARY_COPY_TRAILER = Buffer.from([0xff, 0xff]);

const TWO_32 = 2 ** 32;

export class BinaryTuples {
  #buf: Buffer;
  #length = 0;

  constructor(sizeHint: number) {
    this.#buf = Buffer.allocUnsafe(Math.max(1024, sizeHint));
  }

  /** Makes room for `n` more bytes. */
  #room(n: number): void {
    const need = this.#length + n;
    if (need <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.#buf.length));
    this.#buf.copy(grown, 0, 0, this.#length);
    this.#buf = grown;
  }

  /** Where the next byte goes (a tuple written halfway can be dropped by `truncate(mark)`). */
  mark(): number {
    return this.#length;
  }

  truncate(mark: number): void {
    this.#length = mark;
  }

  tuple(fields: number): void {
    this.#room(2);
    this.#length = this.#buf.writeInt16BE(fields, this.#length);
  }

  null(): void {
    this.#room(4);
    this.#length = this.#buf.writeInt32BE(-1, this.#length);
  }

  int16(v: number): void {
    this.#room(6);
    this.#length = this.#buf.writeInt16BE(v, this.#buf.writeInt32BE(2, this.#length));
  }

  int32(v: number): void {
    this.#room(8);
    this.#length = this.#buf.writeInt32BE(v, this.#buf.writeInt32BE(4, this.#length));
  }

  /** A safe integer (every integer a double holds exactly) as int64. */
  int64(v: number): void {
    this.#room(12);
    const hi = Math.floor(v / TWO_32);
    const at = this.#buf.writeInt32BE(8, this.#length);
    this.#length = this.#buf.writeUInt32BE(v - hi * TWO_32, this.#buf.writeInt32BE(hi, at));
  }

  bigint64(v: bigint): void {
    this.#room(12);
    this.#length = this.#buf.writeBigInt64BE(v, this.#buf.writeInt32BE(8, this.#length));
  }

  float64(v: number): void {
    this.#room(12);
    this.#length = this.#buf.writeDoubleBE(v, this.#buf.writeInt32BE(8, this.#length));
  }

  bool(v: boolean): void {
    this.#room(5);
    this.#length = this.#buf.writeUInt8(v ? 1 : 0, this.#buf.writeInt32BE(1, this.#length));
  }

  /** A string's UTF-8 bytes, after `prefix` bytes (jsonb's version byte). */
  utf8(s: string, prefix?: number): void {
    const extra = prefix === undefined ? 0 : 1;
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    this.#room(4 + extra + 3 * s.length);
    const start = this.#length + 4;
    if (prefix !== undefined) this.#buf[start] = prefix;
    const n = this.#buf.write(s, start + extra, 'utf8');
    this.#buf.writeInt32BE(n + extra, this.#length);
    this.#length = start + extra + n;
  }

  /** A field of int16 words (numeric's header and base-10000 digits). */
  int16s(words: readonly number[]): void {
    this.#room(4 + 2 * words.length);
    let at = this.#buf.writeInt32BE(2 * words.length, this.#length);
    for (const w of words) at = this.#buf.writeInt16BE(w, at);
    this.#length = at;
  }

  /** A bit string ("0101") as bit and varbit take it: the bit count, then the bits packed, zero-padded. */
  bits(s: string): void {
    const bytes = Math.ceil(s.length / 8);
    this.#room(8 + bytes);
    let at = this.#buf.writeInt32BE(s.length, this.#buf.writeInt32BE(4 + bytes, this.#length));
    for (let i = 0; i < bytes; i++) {
      let b = 0;
      for (let j = 0; j < 8; j++) b = (b << 1) | (s.charCodeAt(i * 8 + j) === 49 ? 1 : 0);
      this.#buf[at++] = b;
    }
    this.#length = at;
  }

  /** The tuples written so far (a view: write nothing more after taking it). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#length);
  }
}
