// Appends the same fields to every tuple of a PostgreSQL binary COPY stream (the stage format
// of a PostgreSQL warehouse: stage/staged-format.ts). A tuple is an int16 field count,
// then per field an int32 length (-1 for NULL) and its bytes; the stream opens with a header
// and ends with a count of -1. Tuples are found by their lengths, never by scanning bytes,
// so appending costs a few reads per field and one copy of the data.
import { Transform } from 'node:stream';
import { BINARY_COPY_HEADER } from '../../stage/binary-tuples.js';

const SIGNATURE = BINARY_COPY_HEADER.subarray(0, 11);
/** Signature, flags, and the length of the header extension that follows. */
const HEADER = SIGNATURE.length + 8;
/** Microseconds from the Unix epoch to PostgreSQL's (2000-01-01). */
const PG_EPOCH_MICROS = 946_684_800_000_000n;

/** One field in binary COPY form: length, then bytes. */
export function binaryField(value: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + value.length);
  out.writeInt32BE(value.length, 0);
  value.copy(out, 4);
  return out;
}

/** A text (or varchar) value as binary COPY sends it: its UTF-8 bytes. */
export const binaryText = (value: string): Buffer => binaryField(Buffer.from(value, 'utf8'));

/** A timestamptz as binary COPY sends it: microseconds since 2000-01-01 UTC, int64. */
export function binaryTimestamptz(microsSinceUnixEpoch: bigint): Buffer {
  const v = Buffer.allocUnsafe(8);
  v.writeBigInt64BE(microsSinceUnixEpoch - PG_EPOCH_MICROS, 0);
  return binaryField(v);
}

/** `fields` are already encoded (binaryText, binaryTimestamptz), in target column order. */
export function appendBinaryFields(fields: Buffer[]): Transform {
  const suffix = Buffer.concat(fields);
  const added = fields.length;
  let carry: Buffer | null = null;
  let headerDone = false;
  let ended = false;

  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const data = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = null;
      let p = 0;
      const head: Buffer[] = [];
      if (!headerDone) {
        const seen = Math.min(data.length, SIGNATURE.length);
        if (!data.subarray(0, seen).equals(SIGNATURE.subarray(0, seen))) return cb(new Error('the staged file is not a PostgreSQL binary COPY stream'));
        if (data.length < HEADER) return waitForHeader(data, cb);
        const end = HEADER + data.readUInt32BE(HEADER - 4);
        if (data.length < end) return waitForHeader(data, cb);
        head.push(data.subarray(0, end));
        headerDone = true;
        p = end;
      }
      // Complete tuples: [start, end) and their field count.
      const starts: number[] = [];
      const ends: number[] = [];
      const counts: number[] = [];
      let tail = -1;
      while (!ended && p + 2 <= data.length) {
        const count = data.readInt16BE(p);
        if (count === -1) {
          tail = p;
          ended = true;
          p += 2;
          break;
        }
        let q = p + 2;
        let whole = true;
        for (let f = 0; f < count; f++) {
          if (q + 4 > data.length) {
            whole = false;
            break;
          }
          const len = data.readInt32BE(q);
          q += 4 + (len > 0 ? len : 0);
          if (q > data.length) {
            whole = false;
            break;
          }
        }
        if (!whole) break;
        starts.push(p);
        ends.push(q);
        counts.push(count);
        p = q;
      }
      let size = head.reduce((n, b) => n + b.length, 0) + (tail >= 0 ? 2 : 0);
      for (let i = 0; i < starts.length; i++) size += ends[i]! - starts[i]! + suffix.length;
      const out = Buffer.allocUnsafe(size);
      let o = 0;
      for (const b of head) o += b.copy(out, o);
      for (let i = 0; i < starts.length; i++) {
        o = out.writeInt16BE(counts[i]! + added, o);
        o += data.copy(out, o, starts[i]! + 2, ends[i]);
        o += suffix.copy(out, o);
      }
      if (tail >= 0) out.writeInt16BE(-1, o);
      if (ended && p < data.length) return cb(new Error('the staged binary COPY stream has data after its end marker'));
      if (!ended && p < data.length) carry = Buffer.from(data.subarray(p)); // a partial tuple waits for the next chunk
      cb(null, out);
    },
    flush(cb) {
      cb(ended && !carry ? null : new Error('the staged binary COPY stream ends in the middle of a tuple or has no end marker'));
    },
  });

  /** The header is not whole yet: keep what came and ask for more. */
  function waitForHeader(data: Buffer, cb: (err?: Error | null, out?: Buffer) => void): void {
    carry = Buffer.from(data);
    cb();
  }
}
