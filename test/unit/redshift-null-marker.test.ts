// The NULL marker of the S3 stage (Redshift COPY ... NULL AS): PostgreSQL CSV in, stage CSV out and
// back, on whole records and streamed in arbitrary chunks. Pure; no service involved.
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { csvLine } from '../../activities/sources/kafka/csv.js';
import { fromStageNulls, recordTransform, STAGE_NULL, toStageNulls } from '../../activities/stage/null-marker.js';

const to = (s: string) => toStageNulls(Buffer.from(s)).toString();
const from = (s: string) => fromStageNulls(Buffer.from(s)).toString();

describe('S3 stage NULL marker', () => {
  it('writes NULL (an empty unquoted field) as the marker and leaves "" (an empty string) alone', () => {
    expect(to(',a,""\n')).toBe(`${STAGE_NULL},a,""\n`);
    expect(to('a,,\n')).toBe(`a,${STAGE_NULL},${STAGE_NULL}\n`);
    expect(to('\n')).toBe(`${STAGE_NULL}\n`);
    expect(to('1,2\n3,4\n')).toBe('1,2\n3,4\n');
  });

  it('quotes a real value equal to the marker, so it stays a value', () => {
    expect(to(`${STAGE_NULL},x${STAGE_NULL}\n`)).toBe(`"${STAGE_NULL}",x${STAGE_NULL}\n`);
    expect(from(`"${STAGE_NULL}",${STAGE_NULL}\n`)).toBe(`"${STAGE_NULL}",\n`);
  });

  it('leaves commas, newlines and quotes inside quoted fields alone', () => {
    const text = '"a,,b","line\n\nbreak",,"say ""hi"""\n';
    expect(to(text)).toBe(`"a,,b","line\n\nbreak",${STAGE_NULL},"say ""hi"""\n`);
    expect(from(to(text))).toBe(text);
  });

  it('round-trips what the writers produce, NULLs and empty strings included', () => {
    const rows = [
      ['1', null, '', 'x,y', 'two\nlines', 'say "hi"', STAGE_NULL, null],
      [null, null, null],
      ['', '\\N', '{"a":[1,null]}'],
    ];
    const text = rows.map((r) => csvLine(r)).join('');
    // The value equal to the marker comes back quoted: the same value to PostgreSQL's CSV reader.
    expect(from(to(text))).toBe(text.replace(`,${STAGE_NULL},`, `,"${STAGE_NULL}",`));
  });

  it('applies to whole records when a stream cuts them anywhere', async () => {
    const text = Array.from({ length: 200 }, (_, i) => csvLine([String(i), i % 3 ? null : '', i % 5 ? 'q"u,o\nte' : null])).join('');
    for (const size of [1, 7, 64]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(Buffer.from(text.slice(i, i + size)));
      const out: Buffer[] = [];
      await pipeline(Readable.from(chunks), recordTransform(toStageNulls), async (src: AsyncIterable<Buffer>) => {
        for await (const c of src) out.push(c);
      });
      expect(Buffer.concat(out).toString()).toBe(to(text));
    }
  });

  it('refuses a stream that ends inside a record', async () => {
    await expect(pipeline(Readable.from([Buffer.from('1,"open\n')]), recordTransform(toStageNulls), async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) void c;
    })).rejects.toThrow('ends in the middle of a record');
  });
});
