import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { appendBinaryFields, binaryText, binaryTimestamptz } from '../../activities/warehouse/postgres/append-binary-fields.js';

// A binary COPY stream built the way PostgreSQL writes one: header, tuples, end marker.
type Tuple = (Buffer | null)[];
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

function encode(tuples: Tuple[], extension = Buffer.alloc(0), end = true): Buffer {
  const int = (n: number, bytes: 2 | 4) => {
    const b = Buffer.alloc(bytes);
    if (bytes === 2) b.writeInt16BE(n);
    else b.writeInt32BE(n);
    return b;
  };
  const parts: Buffer[] = [SIGNATURE, int(0, 4), int(extension.length, 4), extension];
  for (const t of tuples) {
    parts.push(int(t.length, 2));
    for (const f of t) parts.push(...(f === null ? [int(-1, 4)] : [int(f.length, 4), f]));
  }
  if (end) parts.push(int(-1, 2));
  return Buffer.concat(parts);
}

/** The tuples of a binary COPY stream (the test's own reader). */
function decode(data: Buffer): Tuple[] {
  expect(data.subarray(0, SIGNATURE.length)).toEqual(SIGNATURE);
  let p = SIGNATURE.length + 8 + data.readUInt32BE(SIGNATURE.length + 4);
  const out: Tuple[] = [];
  for (;;) {
    const n = data.readInt16BE(p);
    p += 2;
    if (n === -1) break;
    const t: Tuple = [];
    for (let i = 0; i < n; i++) {
      const len = data.readInt32BE(p);
      p += 4;
      t.push(len === -1 ? null : data.subarray(p, p + len));
      p += Math.max(len, 0);
    }
    out.push(t);
  }
  expect(p).toBe(data.length);
  return out;
}

const through = (chunks: Buffer[], fields: Buffer[]) => buffer(Readable.from(chunks).pipe(appendBinaryFields(fields)));
const b = (s: string) => Buffer.from(s, 'utf8');

describe('appendBinaryFields', () => {
  const tuples: Tuple[] = [[b('1'), null, b('')], [b('2'), b('tab\there "q" \\ é'), Buffer.alloc(300, 7)], [null, null, null]];
  const lineage = [binaryText('app'), binaryText('us'), binaryText('run-1:0')];
  const expected = tuples.map((t) => [...t, b('app'), b('us'), b('run-1:0')]);

  it('appends the fields to every tuple and keeps NULLs, empty values and the header extension', async () => {
    const data = encode(tuples, Buffer.from([1, 2, 3]));
    const out = await through([data], lineage);
    expect(decode(out)).toEqual(expected);
    expect(out.subarray(SIGNATURE.length + 8, SIGNATURE.length + 11)).toEqual(Buffer.from([1, 2, 3]));
  });

  // Every chunk border of the whole input: seconds of CPU, many more on a shared, loaded machine.
  it('gives the same bytes whatever the chunk borders', async () => {
    const data = encode(tuples);
    const whole = await through([data], lineage);
    for (let i = 1; i < data.length; i++) {
      for (const j of [i + 1, i + 3, data.length - 1]) {
        if (j <= i || j >= data.length) continue;
        expect(await through([data.subarray(0, i), data.subarray(i, j), data.subarray(j)], lineage), `split at ${i}, ${j}`).toEqual(whole);
      }
    }
  }, 60_000);

  it('agrees with the reference reader on random tuples split at random points', async () => {
    let seed = 11;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 100; round++) {
      const width = 1 + rnd(5);
      const rows: Tuple[] = Array.from({ length: rnd(30) }, () =>
        Array.from({ length: width }, () => (rnd(5) === 0 ? null : Buffer.from(Array.from({ length: rnd(40) }, () => rnd(256))))),
      );
      const data = encode(rows);
      const chunks: Buffer[] = [];
      for (let p = 0; p < data.length; ) {
        const n = 1 + rnd(50);
        chunks.push(data.subarray(p, p + n));
        p += n;
      }
      expect(decode(await through(chunks, [binaryText('x')]))).toEqual(rows.map((t) => [...t, b('x')]));
    }
  });

  it('encodes a timestamptz as microseconds since 2000-01-01', () => {
    const field = binaryTimestamptz(BigInt(Date.parse('2000-01-01T00:00:01.5Z')) * 1000n);
    expect(field.readInt32BE(0)).toBe(8);
    expect(field.readBigInt64BE(4)).toBe(1_500_000n);
  });

  it('refuses a stream that is not binary COPY, is cut short, or runs past its end marker', async () => {
    await expect(through([Buffer.from('1,a\n2,b\n')], lineage)).rejects.toThrow(/not a PostgreSQL binary COPY stream/);
    const data = encode(tuples);
    await expect(through([data.subarray(0, data.length - 5)], lineage)).rejects.toThrow(/ends in the middle/);
    await expect(through([encode(tuples, undefined, false)], lineage)).rejects.toThrow(/no end marker/);
    await expect(through([Buffer.concat([data, Buffer.from([0])])], lineage)).rejects.toThrow(/after its end marker/);
  });
});
